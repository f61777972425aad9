"""SDTM content against its sources: the protocol (TI), the screening verdicts (IE, DS), the
lesion table (TU/TR) — read back with pandas' independent XPT reader."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from tests.cdisc.conftest import Exported
from trialkit.cdisc.common import ascii_text
from trialkit.eligibility.verdict import Status
from trialkit.protocol import load_protocol


def _xpt(package: Path, name: str) -> pd.DataFrame:
    return pd.read_sas(package / "sdtm" / f"{name}.xpt", format="xport", encoding="utf-8")


def _csv(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_ti_lists_every_criterion_of_the_protocol(exported: Exported) -> None:
    ti = _xpt(exported.package, "ti")
    protocol = load_protocol()
    assert list(ti["IETESTCD"]) == [c.id for c in protocol.criteria]
    assert list(ti["IECAT"]) == [c.kind.upper() for c in protocol.criteria]
    assert (ti["IETEST"].str.len() <= 200).all()
    assert set(ti["TIVERS"]) == {protocol.version}


def test_every_ie_record_traces_to_the_engine_verdict_and_its_evidence(
    exported: Exported,
) -> None:
    ie = _xpt(exported.package, "ie")
    supp = _xpt(exported.package, "suppie")
    log = _csv(exported.folder, "screening")
    subjects = {r["screening_id"]: r["subject_id"] for r in _csv(exported.folder, "subjects")}
    verdicts = {r.patient_id: r for r in exported.screened}  # by the source patient id
    assert len(ie) > 0
    for _, row in ie.iterrows():
        number = int(row["IESPID"].removeprefix("screening.csv row "))
        source = log[number - 1]
        # a screen failure under its screening number; a waived criterion under the subject
        who = subjects.get(source["screening_id"], source["screening_id"])
        assert row["USUBJID"] == f"NCT05894486-{who}"
        assert source["status"] == "ineligible"
        # the engine's own verdict on that criterion, for that patient
        criterion = next(
            c for c in verdicts[source["patient_id"]].criteria if c.id == row["IETESTCD"]
        )
        expected = Status.NOT_MET if criterion.kind == "inclusion" else Status.MET
        assert criterion.status is expected
        assert criterion.evidence, "a criterion not met names the data that decided it"
        assert row["IEORRES"] == ("N" if criterion.kind == "inclusion" else "Y")
        qval = supp[
            (supp["USUBJID"] == row["USUBJID"])
            & (supp["IDVARVAL"] == str(int(row["IESEQ"])))
            & (supp["QNAM"] == "IEREASON")
        ]
        assert ascii_text(criterion.reason) in next(iter(qval["QVAL"]))
    # every ineligible screening with a blocking criterion is in IE, enrolled on a waiver or not
    blocked = [r for r in log if r["status"] == "ineligible"]
    assert len(ie) == len(blocked)


def test_each_waived_criterion_is_an_ie_record_of_the_subject_traced_to_its_screening(
    exported: Exported,
) -> None:
    ie = _xpt(exported.package, "ie")
    supp = _xpt(exported.package, "suppie")
    log = _csv(exported.folder, "screening")
    waivers = [d for d in _csv(exported.folder, "deviations") if d["category"] == "eligibility"]
    assert waivers, "the demo study enrols a few patients on a waiver"
    for w in waivers:
        usubjid = f"NCT05894486-{w['subject_id']}"
        (row,) = ie[(ie["USUBJID"] == usubjid) & (ie["IETESTCD"] == w["criterion"])].itertuples()
        number = int(row.IESPID.removeprefix("screening.csv row "))
        assert log[number - 1]["screening_id"] == w["screening_id"]
        quals = supp[(supp["USUBJID"] == usubjid) & (supp["IDVARVAL"] == str(int(row.IESEQ)))]
        waiver = list(quals.loc[quals["QNAM"] == "IEWAIVER", "QVAL"])
        assert waiver == [
            ascii_text(f"waived by {w['recorded_by']} on {w['deviation_date']}: {w['reason']}")
        ]
    # a waived screening is the subject's, not a screen failure
    ds = _xpt(exported.package, "ds")
    for w in waivers:
        assert f"NCT05894486-{w['screening_id']}" not in set(ds["USUBJID"])


def test_incomplete_screening_is_a_screen_failure_without_ie(exported: Exported) -> None:
    ds = _xpt(exported.package, "ds")
    ie = _xpt(exported.package, "ie")
    incomplete = [
        r["screening_id"] for r in _csv(exported.folder, "screening") if r["status"] == "incomplete"
    ]
    assert incomplete
    for pid in incomplete:
        usubjid = f"NCT05894486-{pid}"
        assert usubjid not in set(ie["USUBJID"])
        rows = ds[ds["USUBJID"] == usubjid]
        assert list(rows["DSDECOD"]) == ["SCREEN FAILURE"]
        assert rows["DSTERM"].iloc[0].startswith("SCREENING INCOMPLETE")


def test_tr_holds_every_lesion_measurement(exported: Exported) -> None:
    tr = _xpt(exported.package, "tr")
    lesions = _csv(exported.folder, "lesions")
    measured = tr[tr["TRTESTCD"] != "SUMDIAM"]
    assert len(measured) == len(lesions)
    target_mm = sorted(float(r["diameter_mm"]) for r in lesions if r["diameter_mm"])
    assert sorted(measured["TRSTRESN"].dropna()) == sorted(
        target_mm
        + [5.0] * sum(r["status"] == "too_small" for r in lesions)
        + [0.0] * sum(r["status"] == "absent" and r["target"] == "true" for r in lesions)
    )
    tu = _xpt(exported.package, "tu")
    baseline = {(r["subject_id"], r["lesion_id"]) for r in lesions if r["visit"] == "baseline"}
    identified = tu[tu["TUORRES"] != "NEW"]
    assert len(identified) == len(baseline)


def test_vs_holds_weight_and_height_of_each_subjects_screening(exported: Exported) -> None:
    vs = _xpt(exported.package, "vs")
    log = _csv(exported.folder, "screening")
    subjects = _csv(exported.folder, "subjects")
    assert set(vs["VSTESTCD"]) == {"WEIGHT", "HEIGHT"}
    assert set(vs["VSSTRESU"]) == {"kg", "cm"}
    assert set(vs["VSBLFL"]) == {"Y"}
    for s in subjects:
        source = next(r for r in log if r["screening_id"] == s["screening_id"])
        rows = vs[vs["USUBJID"] == f"NCT05894486-{s['subject_id']}"]
        weight = rows[rows["VSTESTCD"] == "WEIGHT"].iloc[0]
        assert (weight["VSORRES"], weight["VSORRESU"], weight["VSDTC"]) == (
            f"{float(source['weight']):g}",
            source["weight_unit"],
            source["weight_date"],
        )
        assert weight["VSSTRESN"] == pytest.approx(float(source["weight"]))  # recorded in kg
        assert log.index(source) + 1 == int(weight["VSSPID"].removeprefix("screening.csv row "))


# CDISC CT NCOMPLT (C66727) submission values of the reasons the simulated study records,
# written out here from the codelist (not read from trialkit's mapping)
NCOMPLT = {
    "death": "DEATH",
    "progressive disease": "PROGRESSIVE DISEASE",
    "adverse event": "ADVERSE EVENT",
}


def test_ds_has_a_disposition_event_per_treatment_end_and_per_end_of_study(
    exported: Exported,
) -> None:
    """Issue 13 (dates): each subject's end of study treatment (the recorded early end, or
    COMPLETED on the date of the fourth dose) and end of study (off_study_date) is a DS
    record — DSCAT DISPOSITION EVENT, DSSCAT treatment vs participation, DSDECOD from
    NCOMPLT, DSSTDTC the event's date, DSSPID the subjects.csv or doses.csv row."""
    ds = _xpt(exported.package, "ds")
    subjects = _csv(exported.folder, "subjects")
    doses = _csv(exported.folder, "doses")
    expected: dict[tuple[str, str], tuple[str, str, str, str]] = {}
    for i, s in enumerate(subjects, start=1):
        usubjid = f"NCT05894486-{s['subject_id']}"
        if s["treatment_end_date"]:
            reason = s["treatment_end_reason"].removeprefix("off study: ")
            expected[(usubjid, "STUDY TREATMENT")] = (
                NCOMPLT[reason],
                s["treatment_end_date"],
                s["treatment_end_reason"].upper(),
                f"subjects.csv row {i}",
            )
        else:
            number = s["subject_id"]
            mine = [(j, d) for j, d in enumerate(doses, start=1) if d["subject_id"] == number]
            if len(mine) == 4:  # every cycle of the label given (clinical-facts §3)
                j, last = max(mine, key=lambda jd: jd[1]["dose_date"])
                expected[(usubjid, "STUDY TREATMENT")] = (
                    "COMPLETED",
                    last["dose_date"],
                    "COMPLETED",
                    f"doses.csv row {j}",
                )
        if s["off_study_date"]:
            expected[(usubjid, "STUDY PARTICIPATION")] = (
                NCOMPLT[s["off_study_reason"]],
                s["off_study_date"],
                s["off_study_reason"].upper(),
                f"subjects.csv row {i}",
            )
    enrolled = {f"NCT05894486-{s['subject_id']}" for s in subjects}
    got = {
        (r.USUBJID, r.DSSCAT): (r.DSDECOD, r.DSSTDTC, r.DSTERM, r.DSSPID)
        for r in ds.itertuples()
        if r.USUBJID in enrolled
    }
    assert got == expected
    assert len(got) == len(ds[ds["USUBJID"].isin(enrolled)])  # one record per event
    assert set(ds["DSCAT"]) == {"DISPOSITION EVENT"}
    # the demo study has each kind: early ends, completed treatment, and ends of study
    kinds = {(k[1], v[0]) for k, v in expected.items()}
    assert ("STUDY TREATMENT", "COMPLETED") in kinds
    assert ("STUDY PARTICIPATION", "PROGRESSIVE DISEASE") in kinds
    assert any(k == "STUDY TREATMENT" and v != "COMPLETED" for k, v in kinds)
    # follow-up starts after the treatment ends and before the end of study
    for s in subjects:
        if s["follow_up_date"]:
            assert s["follow_up_date"] >= (s["treatment_end_date"] or s["follow_up_date"])
            assert not s["off_study_date"] or s["off_study_date"] >= s["follow_up_date"]
