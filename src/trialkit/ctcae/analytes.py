"""The analyte each CTCAE v5.0 laboratory term grades, by name.

The study tables record a laboratory result as its analyte (LOINC code and name) and,
separately, the CTCAE term it is graded under (haemoglobin is the analyte, "anemia" the
term). The names are CDISC Controlled Terminology lab test names (LBTEST, codelist C67154,
with the LBTESTCD code of C65047 and the LBCAT the SDTM LB domain uses); the LOINC code is
the first the term grades (``table_v5.Term.loinc``, clinical-facts §8).
"""

from __future__ import annotations

from trialkit.ctcae.table_v5 import TERMS

# CTCAE laboratory term → (LBTESTCD, LBTEST, LBCAT) of CDISC CT (C65047 / C67154).
TESTS = {
    "anemia": ("HGB", "Hemoglobin", "HEMATOLOGY"),
    "platelet_count_decreased": ("PLAT", "Platelets", "HEMATOLOGY"),
    "neutrophil_count_decreased": ("NEUT", "Neutrophils", "HEMATOLOGY"),
    "white_blood_cell_decreased": ("WBC", "Leukocytes", "HEMATOLOGY"),
    "lymphocyte_count_decreased": ("LYM", "Lymphocytes", "HEMATOLOGY"),
    "alanine_aminotransferase_increased": ("ALT", "Alanine Aminotransferase", "CHEMISTRY"),
    "aspartate_aminotransferase_increased": ("AST", "Aspartate Aminotransferase", "CHEMISTRY"),
    "blood_bilirubin_increased": ("BILI", "Bilirubin", "CHEMISTRY"),
    "creatinine_increased": ("CREAT", "Creatinine", "CHEMISTRY"),
    "hypoalbuminemia": ("ALB", "Albumin", "CHEMISTRY"),
    "inr_increased": ("INR", "Prothrombin Intl. Normalized Ratio", "COAGULATION"),
    "aptt_prolonged": ("APTT", "Activated Partial Thromboplastin Time", "COAGULATION"),
    "hypoglycemia": ("GLUC", "Glucose", "CHEMISTRY"),
}


def analyte(term: str) -> tuple[str, str]:
    """(LOINC code, analyte name) of the results graded under ``term`` (a key of TERMS)."""
    return TERMS[term].loinc[0], TESTS[term][1]
