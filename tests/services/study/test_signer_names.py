"""Signatures show who signed in words (issue 13, item 11; 21 CFR 11.50(a): the printed name
of the signer, the date and time, the meaning) — in the service's views, on the pages' text,
and in the CSV export. An investigator without a full name cannot sign."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from tests.store.helpers import Study, make_study, password, screen_example
from trialkit.errors import ProtocolRefusal
from trialkit.services.study.views import SIGNATURE_MEANINGS
from trialkit.store.models import AuditEvent

ELIGIBLE = SIGNATURE_MEANINGS[0]


@pytest.fixture
def study(store_url: str) -> Iterator[Study]:
    made = make_study(store_url)
    yield made
    made.service.store.close()


def test_the_signature_names_the_signer_in_words_everywhere(study: Study) -> None:
    svc = study.service
    svc.set_full_name(None, "investigator", "Dr Jane Doe", reason="printed name")
    s = screen_example(study)
    signed = svc.sign_eligibility(
        study["investigator"],
        s.id,
        password=password("investigator"),
        meaning=ELIGIBLE,
        version=s.version,
    )
    assert signed.signature is not None
    assert signed.signature.signer_name == "Dr Jane Doe"
    assert signed.signature.statement == (
        "Signed by Dr Jane Doe (investigator), investigator, 2026-11-24 09:00 UTC — "
        "meaning “I confirm the patient is eligible”"
    )
    row = svc.list_screenings(study["monitor"]).items[0]
    assert (row.signed_by, row.signer_name) == ("investigator", "Dr Jane Doe")
    subject = svc.enrol(study["coordinator"], s.id, version=signed.version)
    assert subject.signed_off == signed.signature.statement
    # a later change of name does not rewrite the signature (it is what was signed)
    svc.set_full_name(None, "investigator", "Dr Jane Doe-Smith", reason="married")
    again = svc.get_screening(study["monitor"], s.id).signature
    assert again is not None
    assert again.signer_name == "Dr Jane Doe"
    export = svc.export(study["statistician"], "csv")
    with zipfile.ZipFile(io.BytesIO(export)) as zf:
        rows = list(csv.DictReader(io.StringIO(zf.read("study/signatures.csv").decode())))
    assert len(rows) == 1
    assert rows[0]["signer_name"] == "Dr Jane Doe"
    assert rows[0]["username"] == "investigator"
    assert rows[0]["role"] == "investigator"
    assert rows[0]["signed_at_utc"] == "2026-11-24T09:00:00Z"
    assert rows[0]["meaning"] == ELIGIBLE
    assert rows[0]["current"] == "true"
    assert rows[0]["subject_id"] == subject.subject_id
    assert rows[0]["signature"] == signed.signature.statement
    with svc.store.session() as session:
        (sign,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "sign"))
    assert '"signer_name":[null,"Dr Jane Doe"]' in sign.changes
    assert svc.verify_audit().ok


def test_an_investigator_without_a_full_name_cannot_sign_and_loses_no_attempt(
    study: Study,
) -> None:
    svc = study.service
    svc.add_user(None, "nameless", "amber-falcon-window", "investigator")
    nameless = svc.authenticate("nameless", "amber-falcon-window")
    s = screen_example(study)
    for attempt in ("amber-falcon-window", "wrong password"):
        with pytest.raises(ProtocolRefusal, match="add your full name first") as refused:
            svc.sign_eligibility(nameless, s.id, password=attempt, meaning=ELIGIBLE, version=1)
        assert refused.value.rule == "signer_full_name_missing"
        assert "trialkit user set-name nameless" in str(refused.value)
    user = next(u for u in svc.list_users(None) if u.username == "nameless")
    assert user.failed_logins == 0  # refused before the password was even checked
    assert svc.get_screening(study["monitor"], s.id).signature is None
    svc.set_full_name(None, "nameless", "Dr No Name", reason="for signatures")
    signed = svc.sign_eligibility(
        nameless, s.id, password="amber-falcon-window", meaning=ELIGIBLE, version=s.version
    )
    assert signed.signature is not None
    assert signed.signature.statement.startswith("Signed by Dr No Name (nameless), investigator, ")
