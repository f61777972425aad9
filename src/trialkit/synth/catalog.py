"""What the synthetic population is drawn from: labs with their distributions and units,
diagnoses, drugs, procedures, allergies. Data only; ``synth.population`` draws from it.

Distributions are plausible adult oncology values (medians and spreads of routine
laboratory panels), not a model of any real cohort. Codes are the ones the
data dictionary names (LOINC, ICD-10-CM, ATC, SNOMED) plus RxNorm ingredient
codes for the drugs; names are descriptive. Units mix the systems sites really
use (g/dL vs g/L, mg/dL vs µmol/L, 10*3/uL vs /mm3) and include a few that no
rule converts (``K/uL``: kelvin per microlitre in UCUM) or no unit at all.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Unit:
    code: str | None  # UCUM code (None: no unit recorded)
    factor: float  # value in this unit = canonical value × factor
    weight: float  # how often sites report in it
    decimals: int


@dataclass(frozen=True)
class Lab:
    key: str
    loinc: str
    name: str
    dist: str  # "normal" or "lognormal"
    centre: float  # mean, or median for lognormal (canonical unit)
    spread: float  # sd, or sigma of the log
    low: float
    high: float
    units: tuple[Unit, ...]
    present: float  # probability that a patient has any result
    ref_high: float | None = None  # typical reference-range high (canonical), when reported
    boundary: float | None = None  # the protocol's threshold (edge cases sit on it)


def _u(code: str | None, factor: float, weight: float, decimals: int) -> Unit:
    return Unit(code, factor, weight, decimals)


LABS: tuple[Lab, ...] = (
    Lab(
        "hemoglobin",
        "718-7",
        "Hemoglobin [Mass/volume] in Blood",
        "normal",
        122,
        20,
        40,
        190,
        (_u("g/dL", 0.1, 0.55, 1), _u("g/L", 1, 0.4, 0), _u("mmol/L", 0.06206, 0.05, 1)),
        0.9,
        boundary=80,
    ),
    Lab(
        "wbc",
        "6690-2",
        "Leukocytes [#/volume] in Blood",
        "lognormal",
        6.2,
        0.45,
        0.3,
        60,
        (
            _u("10*3/uL", 1, 0.5, 1),
            _u("10*9/L", 1, 0.3, 1),
            _u("/mm3", 1000, 0.15, 0),
            _u("K/uL", 1, 0.05, 1),
        ),
        0.9,
        boundary=2.0,
    ),
    Lab(
        "platelets",
        "777-3",
        "Platelets [#/volume] in Blood",
        "normal",
        240,
        75,
        5,
        700,
        (_u("10*3/uL", 1, 0.5, 0), _u("10*9/L", 1, 0.35, 0), _u("/mm3", 1000, 0.15, -3)),
        0.9,
        boundary=75,
    ),
    Lab(
        "creatinine",
        "2160-0",
        "Creatinine [Mass/volume] in Serum or Plasma",
        "lognormal",
        80,
        0.35,
        25,
        900,
        (_u("umol/L", 1, 0.5, 0), _u("mg/dL", 1 / 88.4, 0.48, 2), _u(None, 1, 0.02, 0)),
        0.88,
        boundary=150,
    ),
    Lab(
        "bilirubin",
        "1975-2",
        "Bilirubin.total [Mass/volume] in Serum or Plasma",
        "lognormal",
        10,
        0.6,
        2,
        400,
        (_u("umol/L", 1, 0.5, 0), _u("mg/dL", 1 / 17.1, 0.5, 1)),
        0.8,
        ref_high=21,
    ),
    Lab(
        "albumin",
        "1751-7",
        "Albumin [Mass/volume] in Serum or Plasma",
        "normal",
        38,
        5,
        15,
        55,
        (_u("g/L", 1, 0.5, 0), _u("g/dL", 0.1, 0.5, 1)),
        0.8,
        boundary=30,
    ),
    Lab(
        "alt",
        "1742-6",
        "Alanine aminotransferase [Enzymatic activity/volume]",
        "lognormal",
        24,
        0.55,
        4,
        2000,
        (_u("U/L", 1, 0.6, 0), _u("[IU]/L", 1, 0.2, 0), _u("IU/L", 1, 0.2, 0)),
        0.85,
        ref_high=40,
    ),
    Lab(
        "ast",
        "1920-8",
        "Aspartate aminotransferase [Enzymatic activity/volume]",
        "lognormal",
        25,
        0.5,
        5,
        2000,
        (_u("U/L", 1, 0.7, 0), _u("IU/L", 1, 0.3, 0)),
        0.85,
        ref_high=40,
    ),
    Lab(
        "inr",
        "6301-6",
        "INR in Platelet poor plasma by Coagulation assay",
        "normal",
        1.05,
        0.15,
        0.8,
        6,
        (_u("{INR}", 1, 0.6, 2), _u(None, 1, 0.3, 2), _u("1", 1, 0.1, 1)),
        0.6,
        boundary=1.5,
    ),
    Lab(
        "aptt",
        "3173-2",
        "aPTT in Blood by Coagulation assay",
        "normal",
        31,
        5,
        18,
        120,
        (_u("s", 1, 1.0, 1),),
        0.55,
        ref_high=40,
    ),
    Lab(
        "fasting_glucose",
        "1558-6",
        "Fasting glucose [Mass/volume] in Serum or Plasma",
        "lognormal",
        5.6,
        0.25,
        2.5,
        40,
        (_u("mmol/L", 1, 0.5, 1), _u("mg/dL", 18.016, 0.5, 0)),
        0.5,
        ref_high=6.1,
    ),
    Lab(
        "weight",
        "29463-7",
        "Body weight",
        "normal",
        72,
        16,
        35,
        180,
        (_u("kg", 1, 0.85, 1), _u("[lb_av]", 2.20462, 0.15, 0)),
        0.85,
    ),
)
ECOG_LOINC = "89247-1"
ECOG_ANSWERS = ("LA9622-7", "LA9623-5", "LA9624-3", "LA9625-0", "LA9626-8", "LA9627-6")
ECOG_WEIGHTS = (0.35, 0.4, 0.16, 0.07, 0.02)
KI67_LOINC = "29593-1"
# qualitative tests: (key, LOINC, name, share tested, share positive)
QUALITATIVE = (
    ("hbsag", "5196-1", "Hepatitis B virus surface Ag in Serum", 0.4, 0.02),
    ("hcv_ab", "13955-0", "Hepatitis C virus Ab in Serum", 0.4, 0.02),
    ("hiv", "56888-1", "HIV 1+2 Ab+Ag in Serum", 0.35, 0.005),
    ("hcg", "2106-3", "Choriogonadotropin [Presence] in Urine", 0.5, 0.02),
)
POSITIVE, NEGATIVE = "10828004", "260385009"  # SNOMED positive / negative (data dictionary §2)
HBV_DNA_LOINC = "29615-2"

# (ICD-10-CM code, name)
NET_PRIMARIES = (
    ("C7A.010", "Malignant carcinoid tumor of the duodenum"),
    ("C7A.012", "Malignant carcinoid tumor of the ileum"),
    ("C7A.019", "Malignant carcinoid tumor of the small intestine, unspecified portion"),
    ("C7A.020", "Malignant carcinoid tumor of the appendix"),
    ("C7A.092", "Malignant carcinoid tumor of the stomach"),
    ("C7A.1", "Malignant poorly differentiated neuroendocrine tumors"),
    ("C25.4", "Malignant neoplasm of endocrine pancreas"),
)
OTHER_NETS = (  # not GEP sites: another malignancy for EX18
    ("C7A.090", "Malignant carcinoid tumor of the bronchus and lung"),
    ("C7A.091", "Malignant carcinoid tumor of the thymus"),
)
METASTASES = (
    ("C7B.02", "Secondary carcinoid tumors of liver"),
    ("C7B.01", "Secondary carcinoid tumors of distant lymph nodes"),
    ("C7B.03", "Secondary carcinoid tumors of bone"),
)
OTHER_CANCERS = (
    ("C18.9", "Malignant neoplasm of colon, unspecified"),
    ("C50.911", "Malignant neoplasm of unspecified site of right female breast"),
    ("C34.90", "Malignant neoplasm of unspecified part of unspecified bronchus or lung"),
    ("C61", "Malignant neoplasm of prostate"),
    ("C43.9", "Malignant melanoma of skin, unspecified"),
    ("C16.9", "Malignant neoplasm of stomach, unspecified"),
    ("C25.9", "Malignant neoplasm of pancreas, unspecified"),
)
BRAIN_METASTASES = ("C79.31", "Secondary malignant neoplasm of brain")
COMORBIDITIES = (
    ("I50.9", "Heart failure, unspecified", 0.05),
    ("E11.9", "Type 2 diabetes mellitus without complications", 0.12),
    ("E10.9", "Type 1 diabetes mellitus without complications", 0.01),
    ("I10", "Essential (primary) hypertension", 0.3),
)


@dataclass(frozen=True)
class Drug:
    atc: str
    rxnorm: str
    name: str
    route: str | None = None  # SNOMED route
    per_day: int | None = None  # doses a day
    every_days: int | None = None  # interval between doses


INTRAMUSCULAR, SUBCUTANEOUS, ORAL, INTRAVENOUS = "78421000", "34206005", "26643006", "47625008"
OCTREOTIDE_LAR = Drug(
    "H01CB02",
    "7617",
    "Sandostatin LAR Depot 30 MG Injectable Suspension",
    INTRAMUSCULAR,
    every_days=28,
)
OCTREOTIDE_SHORT = Drug(
    "H01CB02", "7617", "octreotide 0.1 MG/ML Injectable Solution", SUBCUTANEOUS, per_day=3
)
OCTREOTIDE_UNSPECIFIED = Drug("H01CB02", "7617", "octreotide acetate")
LANREOTIDE = Drug(
    "H01CB03", "38051", "lanreotide 120 MG Prefilled Syringe", SUBCUTANEOUS, every_days=28
)
NET_THERAPY = (
    Drug("L01AX03", "37776", "temozolomide 100 MG Oral Capsule", ORAL, per_day=1),
    Drug("L01BC06", "194000", "capecitabine 500 MG Oral Tablet", ORAL, per_day=2),
    Drug("L01EG02", "141704", "everolimus 10 MG Oral Tablet", ORAL, per_day=1),
    Drug("L01EX01", "357977", "sunitinib 37.5 MG Oral Capsule", ORAL, per_day=1),
    Drug("L01XA02", "40048", "carboplatin 10 MG/ML Injectable Solution", INTRAVENOUS),
    Drug("L01CB01", "4179", "etoposide 20 MG/ML Injectable Solution", INTRAVENOUS),
)
OTHER_THERAPY = (
    Drug("L01XA03", "32592", "oxaliplatin 5 MG/ML Injectable Solution", INTRAVENOUS),
    Drug("L01CD01", "56946", "paclitaxel 6 MG/ML Injectable Solution", INTRAVENOUS),
    Drug("L02BA01", "10324", "tamoxifen 20 MG Oral Tablet", ORAL, per_day=1),
    Drug("L02BG04", "72965", "letrozole 2.5 MG Oral Tablet", ORAL, per_day=1),
    Drug(
        "L02AE02", "42375", "leuprolide 22.5 MG Injectable Suspension", INTRAMUSCULAR, every_days=84
    ),
)
LUTATHERA = Drug(
    "V10XX04", "2003068", "lutetium Lu 177 dotatate 370 MBq/mL Injectable Solution", INTRAVENOUS
)
COMMON_DRUGS = (
    Drug("A10BA02", "6809", "metformin 500 MG Oral Tablet", ORAL, per_day=2),
    Drug("C03CA01", "4603", "furosemide 40 MG Oral Tablet", ORAL, per_day=1),
)

# (SNOMED, name)
SURGERY = ("387713003", "Surgical procedure")
EMBOLISATION = ("16314004", "Transcatheter arterial embolization of liver")
ABLATION = ("440350004", "Radiofrequency ablation of liver lesion")
BIOPSY = ("86273004", "Biopsy of liver")
PRRT_PROCEDURE = ("399315003", "Radionuclide therapy")
IMAGING = ("77477000", "Computed tomography of abdomen")
# (text, SNOMED or None)
ALLERGIES = (
    ("Iodinated contrast media", "293637006", 0.02),
    ("Gadolinium-based contrast agent", None, 0.005),
    ("Octreotide", None, 0.003),
    ("Penicillin", "91936005", 0.05),
)
