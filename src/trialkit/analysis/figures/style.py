"""Shared figure style: the Okabe–Ito colour-blind-safe palette and file output."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# Okabe & Ito (2008), "Color Universal Design"
OKABE_ITO = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
    "grey": "#999999",
}
RESPONSE_COLOURS = {
    "CR": OKABE_ITO["blue"],
    "PR": OKABE_ITO["sky"],
    # a CR/PR at a time point not (yet) confirmed by a later scan (study dashboard)
    "CR (unconfirmed)": "#7FB2D8",
    "PR (unconfirmed)": "#B9E3F8",
    "SD": OKABE_ITO["yellow"],
    "non-CR/non-PD": OKABE_ITO["yellow"],
    "PD": OKABE_ITO["vermillion"],
    "NE": OKABE_ITO["grey"],
}


def pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "figure.dpi": 110,
            "savefig.dpi": 150,
            "svg.fonttype": "none",
        }
    )
    return plt


def new_axes(ax: Any, size: tuple[float, float]) -> Any:
    if ax is not None:
        return ax
    plt = pyplot()
    _, created = plt.subplots(figsize=size)
    return created


def save(ax: Any, stem: Path) -> list[Path]:
    """Write ``stem``.png and ``stem``.svg; return both paths."""
    fig = ax.figure
    fig.tight_layout()
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    for path in paths:
        fig.savefig(path, bbox_inches="tight")
    pyplot().close(fig)
    return paths
