"""Every ADaM record names the SDTM record it comes from (SRCDOM/SRCVAR/SRCSEQ), and that
record exists and holds the value or date the ADaM record uses."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from tests.cdisc.conftest import Exported, read_xpt

SEQ = {"RS": "RSSEQ", "EX": "EXSEQ", "AE": "AESEQ", "LB": "LBSEQ"}


def _sas_date(days: float) -> str:
    return (date(1960, 1, 1) + timedelta(days=int(days))).isoformat()


def _load(exported: Exported) -> dict[str, pd.DataFrame]:
    out = {}
    for part in ("sdtm", "adam"):
        for path in sorted((exported.package / part).glob("*.xpt")):
            out[path.stem.upper()] = read_xpt(path)
    return out


def test_every_adam_record_traces_to_its_sdtm_record(exported: Exported) -> None:
    data = _load(exported)
    checked = 0
    for name in ("ADRS", "ADTTE", "ADAE", "ADLB"):
        adam = data[name]
        assert len(adam) > 0
        assert adam["SRCDOM"].ne("").all(), f"{name}: a record without SRCDOM"
        for _, row in adam.iterrows():
            source = data[row["SRCDOM"]]
            subject = source[source["USUBJID"] == row["USUBJID"]]
            if row["SRCDOM"] == "DM":
                assert len(subject) == 1
                target = subject.iloc[0]
            else:
                hits = subject[subject[SEQ[row["SRCDOM"]]] == row["SRCSEQ"]]
                assert len(hits) == 1, f"{name} {row['USUBJID']}: no {row['SRCDOM']} record"
                target = hits.iloc[0]
            value = target[row["SRCVAR"]]
            if name == "ADTTE":
                assert value == _sas_date(row["ADT"])
            elif name == "ADRS":
                assert value == row["AVALC"]
            elif name == "ADAE":
                assert target["AETERM"] == row["AETERM"]
                assert target["AETOXGR"] == row["ATOXGR"]
            else:
                assert abs(value - row["AVAL"]) < 1e-9
                assert target["LBDTC"] == _sas_date(row["ADT"])
            checked += 1
    assert checked == sum(len(data[n]) for n in ("ADRS", "ADTTE", "ADAE", "ADLB"))


def test_adsl_is_dm_of_the_enrolled(exported: Exported) -> None:
    data = _load(exported)
    adsl, dm = data["ADSL"], data["DM"]
    enrolled = dm[dm["ARMNRS"] != "SCREEN FAILURE"]
    assert sorted(adsl["USUBJID"]) == sorted(enrolled["USUBJID"])
    merged = adsl.merge(dm, on="USUBJID", suffixes=("", "_dm"))
    assert (merged["AGE"] == merged["AGE_dm"]).all()
    assert (merged["SEX"] == merged["SEX_dm"]).all()
    ex = data["EX"]
    for _, row in adsl.iterrows():
        doses = ex[ex["USUBJID"] == row["USUBJID"]]
        assert row["SAFFL"] == ("Y" if len(doses) else "N")
        assert row["NUMCYC"] == len(doses)
        assert abs(row["CUMDOSE"] - doses["EXDOSE"].sum()) < 1e-6


def test_pfs_censoring_follows_the_analysis_rules(exported: Exported) -> None:
    """docs/analysis.md: an event is CNSR 0 and dated at progression (an RS overall response
    of PD) or death (DM.DTHDTC); censored records are dated at an adequate assessment (RS
    not NE) or at the first dose (EX)."""
    data = _load(exported)
    adtte, rs = data["ADTTE"], data["RS"]
    pfs = adtte[adtte["PARAMCD"] == "PFS"]
    for _, row in pfs.iterrows():
        if row["SRCDOM"] == "RS":
            target = rs[(rs["USUBJID"] == row["USUBJID"]) & (rs["RSSEQ"] == row["SRCSEQ"])]
            response = target["RSSTRESC"].iloc[0]
            if row["CNSR"] == 0:
                assert response == "PD"
                assert row["EVNTDESC"] == "PROGRESSION"
            else:
                assert response != "NE"
        elif row["SRCDOM"] == "DM":
            assert row["CNSR"] == 0
            assert row["SRCVAR"] == "DTHDTC"
        else:
            assert row["SRCDOM"] == "EX"
            assert row["CNSR"] > 0
    assert set(pfs["CNSR"]) <= {0, 1, 2, 3}
