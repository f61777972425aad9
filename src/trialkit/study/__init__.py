"""Study data: a documented folder of CSV tables, loaded and validated into typed records."""

from trialkit.study.load import load_study
from trialkit.study.model import Study

__all__ = ["Study", "load_study"]
