"""The sponsor's data package: CDISC SDTM and ADaM datasets, SAS transport v5 and
Dataset-JSON 1.1 files, define.xml 2.1, the screening CRF as ODM 1.3.2, and a conformance
check (docs/cdisc.md)."""
