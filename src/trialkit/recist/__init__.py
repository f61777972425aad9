"""RECIST 1.1 tumour response: baseline checks, time-point response, best overall response."""

from trialkit.recist.evaluate import evaluate
from trialkit.recist.model import RecistInput, RecistResult, TimePoint
from trialkit.recist.parse import load_recist, parse_recist

__all__ = ["RecistInput", "RecistResult", "TimePoint", "evaluate", "load_recist", "parse_recist"]
