"""Build the whole package from a validated study and write it all-or-nothing.

The files are written into a temporary folder beside the target and moved into place only
when every one of them is written; a failure leaves the previous package (or nothing) where it
was, never a partial one.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from trialkit.cdisc.adam_adsl import build_adsl
from trialkit.cdisc.adam_efficacy import build_adrs, build_adtte
from trialkit.cdisc.adam_safety import build_adae, build_adlb
from trialkit.cdisc.check import Report, check_package
from trialkit.cdisc.context import Context, load_design
from trialkit.cdisc.datasetjson import write_dataset_json
from trialkit.cdisc.define import write_define
from trialkit.cdisc.model import Dataset
from trialkit.cdisc.odm import write_odm
from trialkit.cdisc.sdtm_design import build_ta, build_te, build_ti, build_ts
from trialkit.cdisc.sdtm_disposition import build_ds, build_ie
from trialkit.cdisc.sdtm_dm import build_dm
from trialkit.cdisc.sdtm_events import build_ae, build_ex
from trialkit.cdisc.sdtm_findings import build_lb
from trialkit.cdisc.sdtm_tumour import build_tumour
from trialkit.cdisc.sdtm_visits import build_sv
from trialkit.cdisc.sdtm_vitals import build_vs
from trialkit.cdisc.xpt import write_xpt
from trialkit.fhir.export import study_bundle
from trialkit.protocol import Protocol
from trialkit.study.model import Study

SDTM_BUILDERS: tuple[Callable[[Context], Dataset | tuple[Dataset, ...]], ...] = (
    build_ts,
    build_te,
    build_ta,
    build_ti,
    build_dm,
    build_ds,
    build_ie,
    build_sv,
    build_ex,
    build_ae,
    build_lb,
    build_vs,
    build_tumour,
)

ADAM_BUILDERS = (build_adrs, build_adtte, build_adae, build_adlb)


@dataclass(frozen=True)
class Package:
    folder: Path
    sdtm: tuple[Dataset, ...]
    adam: tuple[Dataset, ...]
    files: tuple[Path, ...]  # relative to ``folder``
    conformance: Report


def build(study: Study, protocol: Protocol) -> tuple[tuple[Dataset, ...], tuple[Dataset, ...]]:
    ctx = Context(study, protocol, load_design(protocol))
    sdtm: list[Dataset] = []
    for builder in SDTM_BUILDERS:
        made = builder(ctx)
        sdtm += made if isinstance(made, tuple) else [made]
    by_name = {d.name: d for d in sdtm}
    adsl = build_adsl(ctx, by_name)
    adam = (adsl, *(b(ctx, by_name, adsl) for b in ADAM_BUILDERS))
    return tuple(sdtm), adam


def write_package(study: Study, protocol: Protocol, out: Path, *, created: str) -> Package:
    """Write ``out`` (replacing a previous package there) from ``study``; ``created`` is the
    ISO 8601 creation time stamped into the Dataset-JSON files."""
    sdtm, adam = build(study, protocol)
    studyid = load_design(protocol).studyid
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        files: list[Path] = []
        for part, datasets in (("sdtm", sdtm), ("adam", adam)):
            if not datasets:
                continue
            folder = staging / part
            folder.mkdir()
            for d in datasets:
                stem = d.name.lower()
                write_xpt(d, folder / f"{stem}.xpt")
                write_dataset_json(d, folder / f"{stem}.json", studyid=studyid, created=created)
                files += [Path(part) / f"{stem}.xpt", Path(part) / f"{stem}.json"]
            write_define(
                datasets,
                folder / "define.xml",
                studyid=studyid,
                title=protocol.title,
                created=created,
                adam=part == "adam",
            )
            files.append(Path(part) / "define.xml")
        (staging / "crf").mkdir()
        write_odm(protocol, staging / "crf" / "screening-odm.xml", created=created)
        files.append(Path("crf") / "screening-odm.xml")
        (staging / "fhir").mkdir()
        stamp = datetime.fromisoformat(created.replace("Z", "+00:00"))
        bundle = study_bundle(study, protocol, timestamp=stamp)
        (staging / "fhir" / "study-bundle.json").write_text(json.dumps(bundle, indent=1), "utf-8")
        files.append(Path("fhir") / "study-bundle.json")
        report = check_package(staging)
        (staging / "conformance.json").write_text(
            json.dumps(report.to_json() | {"package": out.name}, indent=1), encoding="utf-8"
        )
        files.append(Path("conformance.json"))
        _move_into_place(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Package(out, sdtm, adam, tuple(files), report)


def _move_into_place(staging: Path, out: Path) -> None:
    """Swap the finished staging folder in: the old package is renamed aside first and removed
    only after the new one is in place (two renames on one file system)."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{staging.name.rsplit('.', 1)[-1]}")
        out.rename(old)
    staging.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
