"""What every ADaM dataset carries: identifiers, ADSL variables copied in, traceability."""

from __future__ import annotations

from trialkit.cdisc.model import Var

STUDY = Var(
    "STUDYID", "Study Identifier", core="Req", origin="Predecessor", derivation="DM.STUDYID"
)
SUBJECT = Var(
    "USUBJID",
    "Unique Subject Identifier",
    core="Req",
    origin="Predecessor",
    derivation="DM.USUBJID",
)
TRT01A = Var(
    "TRT01A",
    "Actual Treatment for Period 01",
    core="Cond",
    origin="Predecessor",
    derivation="ADSL.TRT01A",
)
SAFFL = Var(
    "SAFFL",
    "Safety Population Flag",
    core="Cond",
    origin="Predecessor",
    codelist="NY",
    derivation="ADSL.SAFFL",
)
EFFFL = Var(
    "EFFFL",
    "Efficacy Population Flag",
    core="Cond",
    origin="Predecessor",
    codelist="NY",
    derivation="ADSL.EFFFL",
)
SRCDOM = Var(
    "SRCDOM",
    "Source Data",
    core="Perm",
    derivation="The SDTM domain of the record the value comes from.",
)
SRCVAR = Var(
    "SRCVAR", "Source Variable", core="Perm", derivation="The SDTM variable the value comes from."
)
SRCSEQ = Var(
    "SRCSEQ",
    "Source Sequence Number",
    "integer",
    core="Perm",
    derivation="--SEQ of the SDTM record (empty for DM, which has no --SEQ).",
)
TRACE = (SRCDOM, SRCVAR, SRCSEQ)


def param_vars(unit_note: str = "") -> tuple[Var, ...]:
    return (
        Var("PARAMCD", "Parameter Code", core="Req", origin="Assigned"),
        Var(
            "PARAM",
            "Parameter",
            core="Req",
            origin="Assigned",
            derivation=unit_note or "The parameter's description.",
        ),
    )
