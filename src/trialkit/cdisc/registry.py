"""Every dataset specification of the package, by name: what define.xml describes and what
the conformance check checks a package against."""

from __future__ import annotations

from trialkit.cdisc.adam_adsl import ADSL
from trialkit.cdisc.adam_efficacy import ADRS, ADTTE
from trialkit.cdisc.adam_safety import ADAE, ADLB
from trialkit.cdisc.model import Spec
from trialkit.cdisc.sdtm_design import TA, TE, TI, TS
from trialkit.cdisc.sdtm_disposition import DS, IE, SUPPIE
from trialkit.cdisc.sdtm_dm import DM
from trialkit.cdisc.sdtm_events import AE, EX
from trialkit.cdisc.sdtm_findings import LB
from trialkit.cdisc.sdtm_tumour import RS, TR, TU
from trialkit.cdisc.sdtm_visits import SV
from trialkit.cdisc.sdtm_vitals import VS

SPECS: dict[str, Spec] = {
    s.name: s
    for s in (
        TS,
        TE,
        TA,
        TI,
        DM,
        DS,
        IE,
        SUPPIE,
        SV,
        EX,
        AE,
        LB,
        VS,
        TU,
        TR,
        RS,
        ADSL,
        ADRS,
        ADTTE,
        ADAE,
        ADLB,
    )
}
