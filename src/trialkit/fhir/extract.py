"""Validated FHIR R4 resources (dicts) → the engine's fact records (``trialkit.model.record``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from trialkit.model.codes import UCUM, Code
from trialkit.model.record import (
    AllergyFact,
    ConditionFact,
    ConsentFact,
    DataWarning,
    Measurement,
    MedicationFact,
    ProcedureFact,
)
from trialkit.model.time import DateSpan, parse_fhir_time
from trialkit.quality import no_value

NO_VALUE = "NaN or Infinity is no value; ignored"  # one wording: FHIR and the NDJSON staging
_PERIOD_DAYS = {"s": 1 / 86400, "min": 1 / 1440, "h": 1 / 24, "d": 1, "wk": 7, "mo": 30, "a": 365}


class Extractor:
    """Turns one patient's resources into facts; collects warnings as it goes."""

    def __init__(
        self, source_file: str, timezone: str, resolve: Callable[[str], Mapping[str, Any] | None]
    ):
        self.source_file = source_file
        self.timezone = timezone
        self.resolve = resolve  # Type/id or raw reference → resource
        self.warnings: list[DataWarning] = []

    # --- small readers ---------------------------------------------------------------------

    def time(self, value: Any, where: str, field: str) -> DateSpan | None:
        if not isinstance(value, str):
            return None
        try:
            return parse_fhir_time(value, self.timezone)
        except ValueError:
            self.warnings.append(
                DataWarning(where, field, f"{value!r} is not a FHIR date; ignored")
            )
            return None

    def decimal(self, value: Any, where: str, field: str) -> Decimal | None:
        if value is None or isinstance(value, bool):
            return None
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self.warnings.append(DataWarning(where, field, f"{value!r} is not a number; ignored"))
            return None
        if no_value(number):  # NaN / ±Infinity: a float artefact, never a result (issue 12)
            self.warnings.append(DataWarning(where, field, NO_VALUE))
            return None
        return number

    def first_time(self, r: Mapping[str, Any], where: str, *fields: str) -> DateSpan | None:
        for field in fields:
            head, _, tail = field.partition(".")
            value = r.get(head)
            if tail and isinstance(value, Mapping):
                value = value.get(tail)
            if value is not None:
                return self.time(value, where, field)
        return None

    # --- resources -------------------------------------------------------------------------

    def measurement(self, r: Mapping[str, Any], key: str) -> Measurement:
        where = f"{self.source_file} {key}"
        value: Decimal | None = None
        unit: str | None = None
        if isinstance(r.get("valueQuantity"), Mapping):
            q = r["valueQuantity"]
            value = self.decimal(q.get("value"), where, "valueQuantity.value")
            unit = quantity_unit(q)
        elif "valueInteger" in r:
            value = self.decimal(r["valueInteger"], where, "valueInteger")
        concept = r.get("valueCodeableConcept")
        ref = (r.get("referenceRange") or [{}])[0]
        low, high = ref.get("low") or {}, ref.get("high") or {}
        return Measurement(
            source=key,
            codes=codings(r.get("code")),
            time=self.first_time(
                r, where, "effectiveDateTime", "effectiveInstant", "effectivePeriod.start", "issued"
            ),
            status=str(r.get("status", "unknown")),
            value=value,
            unit=unit,
            value_codes=codings(concept),
            value_text=r.get("valueString")
            or (concept.get("text") if isinstance(concept, Mapping) else None),
            value_bool=r.get("valueBoolean") if isinstance(r.get("valueBoolean"), bool) else None,
            interpretation=tuple(c for cc in r.get("interpretation", []) for c in codings(cc)),
            ref_low=self.decimal(low.get("value"), where, "referenceRange.low"),
            ref_high=self.decimal(high.get("value"), where, "referenceRange.high"),
            ref_unit=quantity_unit(high) or quantity_unit(low),
            data_absent="dataAbsentReason" in r,
        )

    def condition(self, r: Mapping[str, Any], key: str) -> ConditionFact:
        where = f"{self.source_file} {key}"
        return ConditionFact(
            source=key,
            codes=codings(r.get("code")),
            clinical_status=first_code(r.get("clinicalStatus")),
            verification_status=first_code(r.get("verificationStatus")),
            onset=self.first_time(r, where, "onsetDateTime", "onsetPeriod.start"),
            abatement=self.first_time(
                r, where, "abatementDateTime", "abatementPeriod.end", "abatementPeriod.start"
            ),
            recorded=self.first_time(r, where, "recordedDate"),
            text=(r.get("code") or {}).get("text"),
        )

    def medication(self, r: Mapping[str, Any], key: str) -> MedicationFact:
        where = f"{self.source_file} {key}"
        rtype = str(r.get("resourceType"))
        texts: list[str] = []
        codes = codings(r.get("medicationCodeableConcept"))
        texts += concept_texts(r.get("medicationCodeableConcept"))
        med_ref = (r.get("medicationReference") or {}).get("reference")
        if isinstance(med_ref, str):
            medication = (
                self.resolve(med_ref) if not med_ref.startswith("#") else _contained(r, med_ref)
            )
            if medication is None:
                self.warnings.append(
                    DataWarning(where, "medicationReference", f"{med_ref} not found")
                )
            else:
                codes += codings(medication.get("code"))
                texts += concept_texts(medication.get("code")) + concept_texts(
                    medication.get("form")
                )
        dosages = r.get("dosageInstruction") or r.get("dosage") or []
        if isinstance(dosages, Mapping):
            dosages = [dosages]
        dosage = dosages[0] if dosages else {}
        texts += [d["text"] for d in dosages if isinstance(d.get("text"), str)]
        repeat = ((dosage.get("timing") or {}).get("repeat")) or {}
        bounds = repeat.get("boundsPeriod") or {}
        start = self.first_time(
            r, where, "effectiveDateTime", "effectivePeriod.start", "authoredOn", "whenHandedOver"
        ) or self.time(bounds.get("start"), where, "boundsPeriod.start")
        end = self.first_time(r, where, "effectivePeriod.end") or self.time(
            bounds.get("end"), where, "boundsPeriod.end"
        )
        if rtype == "MedicationAdministration" and "effectiveDateTime" in r:
            end = start
        interval, per_day = dosing_rhythm(repeat)
        route = dosage.get("route")
        return MedicationFact(
            source=key,
            resource_type=rtype,
            codes=codes,
            text="; ".join(dict.fromkeys(t for t in texts if t)),
            status=r.get("status"),
            start=start,
            end=end,
            route_codes=codings(route),
            route_text=route.get("text") if isinstance(route, Mapping) else None,
            interval_days=interval,
            doses_per_day=per_day,
        )

    def procedure(self, r: Mapping[str, Any], key: str) -> ProcedureFact:
        where = f"{self.source_file} {key}"
        return ProcedureFact(
            source=key,
            codes=codings(r.get("code")),
            status=r.get("status"),
            time=self.first_time(r, where, "performedDateTime", "performedPeriod.start"),
            category_codes=codings(r.get("category")),
            text="; ".join(concept_texts(r.get("code"))) or None,
        )

    def allergy(self, r: Mapping[str, Any], key: str) -> AllergyFact:
        codes = codings(r.get("code"))
        texts = concept_texts(r.get("code"))
        for reaction in r.get("reaction", []):
            codes += codings(reaction.get("substance"))
            texts += concept_texts(reaction.get("substance"))
        return AllergyFact(
            source=key,
            codes=codes,
            text="; ".join(texts) or None,
            clinical_status=first_code(r.get("clinicalStatus")),
            verification_status=first_code(r.get("verificationStatus")),
        )

    def consent(self, r: Mapping[str, Any], key: str) -> ConsentFact:
        where = f"{self.source_file} {key}"
        return ConsentFact(
            source=key,
            status=r.get("status"),
            scope_codes=codings(r.get("scope")),
            category_codes=tuple(c for cc in r.get("category", []) for c in codings(cc)),
            time=self.first_time(r, where, "dateTime"),
            study_codes=consent_studies(r),
        )


RESEARCH_STUDY_CONTEXT = "http://hl7.org/fhir/StructureDefinition/consent-ResearchStudyContext"


def consent_studies(r: Mapping[str, Any]) -> tuple[Code, ...]:
    """The studies a Consent is to: the consent-ResearchStudyContext extension (FHIR
    extensions pack; on ``Consent.provision``, also read on the Consent itself) with a
    logical reference, ``valueReference.identifier`` (system + value). A literal reference
    to a ResearchStudy resource is not resolved: it names no identifier."""
    places = [r, r.get("provision")]
    out = []
    for place in places:
        if not isinstance(place, Mapping):
            continue
        for ext in place.get("extension") or []:
            if not isinstance(ext, Mapping) or ext.get("url") != RESEARCH_STUDY_CONTEXT:
                continue
            ref = ext.get("valueReference")
            ident = ref.get("identifier") if isinstance(ref, Mapping) else None
            if isinstance(ident, Mapping) and isinstance(ident.get("value"), str):
                out.append(Code(str(ident.get("system", "")), ident["value"]))
    return tuple(out)


def codings(concept: Any) -> tuple[Code, ...]:
    """The codings of a CodeableConcept (or of a list of them)."""
    if isinstance(concept, list):
        return tuple(c for item in concept for c in codings(item))
    coding = concept.get("coding", []) if isinstance(concept, Mapping) else None
    if not isinstance(coding, list):  # absent, null or not a list: no codes
        return ()
    return tuple(
        Code(str(c.get("system", "")), str(c["code"]), c.get("display"))
        for c in coding
        if isinstance(c, Mapping) and c.get("code") is not None
    )


def concept_texts(concept: Any) -> list[str]:
    if not isinstance(concept, Mapping):
        return []
    out = [concept["text"]] if isinstance(concept.get("text"), str) else []
    out += [c["display"] for c in concept.get("coding", []) if isinstance(c.get("display"), str)]
    return out


def first_code(concept: Any) -> str | None:
    found = codings(concept)
    return found[0].code if found else None


def quantity_unit(q: Mapping[str, Any]) -> str | None:
    """The UCUM code when the quantity is coded in UCUM, else the unit text as recorded."""
    if q.get("system") == UCUM and isinstance(q.get("code"), str):
        return str(q["code"])
    unit = q.get("unit") or q.get("code")
    return str(unit) if unit is not None else None


def dosing_rhythm(repeat: Mapping[str, Any]) -> tuple[Decimal | None, Decimal | None]:
    """(interval in days when given once per period, doses per day) from Timing.repeat."""
    period, unit = repeat.get("period"), repeat.get("periodUnit")
    if period is None or unit not in _PERIOD_DAYS:
        return None, None
    days = Decimal(str(period)) * Decimal(str(_PERIOD_DAYS[unit]))
    if days <= 0:
        return None, None
    frequency = Decimal(str(repeat.get("frequency", 1)))
    interval = days if frequency == 1 else None
    return interval, frequency / days


def _contained(resource: Mapping[str, Any], ref: str) -> Mapping[str, Any] | None:
    wanted = ref[1:]
    return next((c for c in resource.get("contained", []) if c.get("id") == wanted), None)
