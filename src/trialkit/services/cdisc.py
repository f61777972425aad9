"""CDISC export use case: a study (folder or records) in, the sponsor's data package out.

The command line (``trialkit export cdisc``) and the web app's export page call these; the
clock is read here, at the edge, and passed into the core as the creation time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from trialkit.cdisc.package import Package, write_package
from trialkit.protocol import load_protocol
from trialkit.settings import DEFAULT_PROTOCOL
from trialkit.study import load_study
from trialkit.study.model import Study


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def export_study(study: Study, out: Path, *, created: str | None = None) -> Package:
    return write_package(study, load_protocol(study.protocol_id), out, created=created or now_iso())


def export_folder(folder: Path, out: Path, *, protocol_id: str = DEFAULT_PROTOCOL) -> Package:
    """Validate the study folder whole (file/row/field errors, nothing written) and export it."""
    return export_study(load_study(folder, protocol_id), out)
