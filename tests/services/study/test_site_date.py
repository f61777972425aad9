"""Clinical dates are the site's calendar days (protocol setting ``timezone``), not UTC's: an
enrolment at 12:00 UTC on 10 Dec 2026 is on 11 Dec 2026 at a site on UTC+14, and the subject
page's "today" (its next-due entries) is that day too."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tests.store.helpers import enrolled, make_study


def test_enrolment_is_dated_on_the_site_day(tmp_path: Path) -> None:
    study = make_study(f"sqlite:///{tmp_path / 'study.db'}")
    # the site's zone as its protocol would declare it (settings.timezone)
    study.service.site_timezone = "Pacific/Kiritimati"  # UTC+14:00 all year (no DST)
    study.clock.now = datetime(2026, 12, 10, 12, 0)  # naive UTC, as the service's clock
    subject = enrolled(study)
    assert subject.enrolment_date == "2026-12-11"
    assert study.service.site_today() == datetime(2026, 12, 11).date()
