"""Figures trial teams read: CONSORT flow, waterfall, swimmer, spider, Kaplan–Meier.

Each function takes typed analysis results and an optional matplotlib ``ax``,
and returns the axes (lifelines style); :func:`save` writes PNG and SVG.
matplotlib is imported lazily and always with the non-interactive Agg backend.
"""

from trialkit.analysis.figures.consort import consort_figure
from trialkit.analysis.figures.km import km_figure
from trialkit.analysis.figures.style import save
from trialkit.analysis.figures.tumour import spider_figure, swimmer_figure, waterfall_figure

__all__ = [
    "consort_figure",
    "km_figure",
    "save",
    "spider_figure",
    "swimmer_figure",
    "waterfall_figure",
]
