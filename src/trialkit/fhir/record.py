"""Assemble one patient's ``PatientRecord`` from their FHIR resources."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from trialkit.fhir.crf import is_screening_response, merge_responses
from trialkit.fhir.extract import Extractor
from trialkit.fhir.references import resource_key
from trialkit.fhir.validate import validated
from trialkit.model.record import DataWarning, PatientRecord
from trialkit.settings import DEFAULT_PROTOCOL

MEDICATION_TYPES = frozenset(
    {"MedicationRequest", "MedicationStatement", "MedicationAdministration", "MedicationDispense"}
)
RELEVANT_TYPES = MEDICATION_TYPES | {
    "Patient",
    "Observation",
    "Condition",
    "Procedure",
    "AllergyIntolerance",
    "Consent",
    "QuestionnaireResponse",
    "Medication",
}


def default_questionnaire_url() -> str:
    """The CRF Questionnaire of the default protocol (``settings.DEFAULT_PROTOCOL``)."""
    from trialkit.protocol import load_protocol  # the protocol package imports the engine

    return load_protocol(DEFAULT_PROTOCOL).questionnaire_url


def crf_form(questionnaire_url: str | None, lesion_group: str | None) -> tuple[str, str | None]:
    """Which QuestionnaireResponses are the screening CRF and which of their groups is the
    repeating lesion group: as given, or both the default protocol's when no URL is given."""
    if questionnaire_url is not None:
        return questionnaire_url, lesion_group
    from trialkit.protocol import load_protocol

    default = load_protocol(DEFAULT_PROTOCOL)
    return default.questionnaire_url, default.lesion_group


def assemble(
    patient: Mapping[str, Any],
    resources: Sequence[Mapping[str, Any]],
    *,
    source_file: str,
    timezone: str,
    questionnaire_url: str,
    lesion_group: str | None = None,
    resolve: Callable[[str], Mapping[str, Any] | None],
    warnings: Sequence[DataWarning] = (),
) -> PatientRecord:
    extractor = Extractor(source_file, timezone, resolve)
    extractor.warnings.extend(warnings)
    pid = str(patient.get("id"))
    clean_patient, patient_warnings = validated(patient, f"{source_file} Patient/{pid}")
    extractor.warnings.extend(patient_warnings)
    clean_patient = clean_patient or {"resourceType": "Patient", "id": pid}
    facts: dict[str, list[Any]] = {k: [] for k in ("m", "c", "med", "p", "a", "consent")}
    responses: list[tuple[str, Mapping[str, Any]]] = []
    for raw in resources:
        rtype = raw.get("resourceType")
        if rtype not in RELEVANT_TYPES or rtype in ("Patient", "Medication"):
            continue
        key = resource_key(raw) or f"{rtype}/(no id)"
        data, problems = validated(raw, f"{source_file} {key}")
        extractor.warnings.extend(problems)
        if data is None:
            extractor.warnings.append(
                DataWarning(
                    f"{source_file} {key}",
                    "(resource)",
                    "resource unusable after removing invalid fields",
                )
            )
            continue
        if rtype == "Observation":
            facts["m"].append(extractor.measurement(data, key))
        elif rtype == "Condition":
            facts["c"].append(extractor.condition(data, key))
        elif rtype in MEDICATION_TYPES:
            facts["med"].append(extractor.medication(data, key))
        elif rtype == "Procedure":
            facts["p"].append(extractor.procedure(data, key))
        elif rtype == "AllergyIntolerance":
            facts["a"].append(extractor.allergy(data, key))
        elif rtype == "Consent":
            facts["consent"].append(extractor.consent(data, key))
        elif rtype == "QuestionnaireResponse" and is_screening_response(data, questionnaire_url):
            responses.append((key, data))
    crf, crf_warnings = merge_responses(
        responses, timezone=timezone, source_file=source_file, lesion_group=lesion_group
    )
    birth = extractor.time(
        clean_patient.get("birthDate"), f"{source_file} Patient/{pid}", "birthDate"
    )
    return PatientRecord(
        patient_id=pid,
        source_file=source_file,
        birth_date=birth,
        sex=clean_patient.get("gender"),
        name=patient_name(clean_patient),
        mrn=patient_mrn(clean_patient),
        measurements=tuple(facts["m"]),
        conditions=tuple(facts["c"]),
        medications=tuple(facts["med"]),
        procedures=tuple(facts["p"]),
        allergies=tuple(facts["a"]),
        consents=tuple(facts["consent"]),
        crf=crf,
        warnings=tuple(dict.fromkeys(extractor.warnings + crf_warnings)),
    )


def patient_name(patient: Mapping[str, Any]) -> str | None:
    """Patient.name as people write it: the official (else first) name, given then family."""
    names = [n for n in patient.get("name") or [] if isinstance(n, Mapping)]
    if not names:
        return None
    chosen = next((n for n in names if n.get("use") == "official"), names[0])
    if isinstance(chosen.get("text"), str) and chosen["text"].strip():
        return str(chosen["text"]).strip()
    given = [g for g in chosen.get("given") or [] if isinstance(g, str)]
    family = chosen.get("family")
    parts = [*given, family] if isinstance(family, str) else given
    return " ".join(parts).strip() or None


def patient_mrn(patient: Mapping[str, Any]) -> str | None:
    """The medical record number: the Patient.identifier typed MR (HL7 v2 table 0203)."""
    for ident in patient.get("identifier") or []:
        if not isinstance(ident, Mapping) or not isinstance(ident.get("value"), str):
            continue
        kind = ident.get("type")
        coding = kind.get("coding") if isinstance(kind, Mapping) else None
        codes = [c for c in coding or [] if isinstance(c, Mapping)]
        if any(c.get("code") == "MR" for c in codes):
            return str(ident["value"])
    return None
