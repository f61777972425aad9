"""The study as a FHIR R4 Bundle to standard: valid against the R4B models, LOINC-coded
laboratory Observations with UCUM units, ResearchStudy/ResearchSubject, and one
tumour-response Observation per RECIST time point (as many as the SDTM RS overall responses)."""

from __future__ import annotations

from datetime import UTC, datetime

from fhir.resources.R4B.bundle import Bundle

from trialkit.cdisc.context import Context, load_design
from trialkit.cdisc.sdtm_tumour import build_tumour
from trialkit.ctcae import TERMS
from trialkit.fhir.export import study_bundle
from trialkit.protocol import load_protocol
from trialkit.study.simulate import simulate_study


def test_demo_study_bundle_is_valid_r4_with_loinc_ucum_and_responses() -> None:
    protocol = load_protocol()
    study = simulate_study(protocol, seed=2026).study
    data = study_bundle(study, protocol, timestamp=datetime(2027, 10, 1, tzinfo=UTC))
    bundle = Bundle.model_validate(data)  # the whole Bundle, parsed by the R4B model
    resources = [e.resource for e in bundle.entry or []]
    kinds = [r.get_resource_type() for r in resources if r is not None]
    assert kinds.count("ResearchStudy") == 1
    assert kinds.count("ResearchSubject") == kinds.count("Patient") == len(study.subjects)
    study_entry = next(e for e in data["entry"] if e["resource"]["resourceType"] == "ResearchStudy")
    assert study_entry["resource"]["identifier"][0]["value"] == "NCT05894486"
    urls = {e["fullUrl"] for e in data["entry"]}
    assert all(u.startswith("urn:uuid:") for u in urls)
    labs = [
        e["resource"]
        for e in data["entry"]
        if e["resource"].get("category", [{}])[0].get("coding", [{}])[0].get("code") == "laboratory"
    ]
    assert len(labs) == len(study.labs)
    loinc = {c for t in TERMS.values() for c in t.loinc}
    for obs in labs:
        coding = obs["code"]["coding"][0]
        assert coding["system"] == "http://loinc.org"
        assert coding["code"] in loinc
        q = obs["valueQuantity"]
        assert q["system"] == "http://unitsofmeasure.org"
        assert "*" not in q["unit"]  # readable unit for people; the UCUM code is in q["code"]
        assert obs["subject"]["reference"] in urls
    responses = [
        e["resource"]
        for e in data["entry"]
        if e["resource"].get("code", {}).get("coding", [{}])[0].get("code") == "OVRLRESP"
    ]
    _, _, rs = build_tumour(Context(study, protocol, load_design(protocol)))
    assert len(responses) == sum(1 for r in rs.rows if r["RSTESTCD"] == "OVRLRESP")
    assert {r["valueCodeableConcept"]["coding"][0]["code"] for r in responses} <= {
        "CR",
        "PR",
        "SD",
        "PD",
        "NE",
        "NON-CR/NON-PD",
    }
