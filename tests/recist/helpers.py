"""Build RECIST inputs compactly for tests."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from trialkit.recist import RecistInput, parse_recist

FIRST_DOSE = date(2026, 1, 5)


def study(
    targets: Mapping[str, float],
    visits: list[tuple[int, dict[str, Any], str]],
    *,
    nodes: frozenset[str] = frozenset(),
    non_targets: tuple[str, ...] = (),
    sd_min_days: int = 42,
) -> RecistInput:
    """``visits``: (day after first dose, {lesion: diameter or status}, new lesions)."""
    lesions: list[dict[str, Any]] = [
        {
            "id": lid,
            "organ": "lymph node" if lid in nodes else f"organ-{lid}",
            "is_node": lid in nodes,
            "diameter_mm": size,
            "method": "CT",
            "slice_mm": 5,
            "target": True,
        }
        for lid, size in targets.items()
    ]
    lesions += [
        {"id": lid, "organ": "bone", "is_node": False, "target": False} for lid in non_targets
    ]
    assessments = []
    for day, readings, new in visits:
        rows = [
            {"id": lid, "diameter_mm": v}
            if isinstance(v, int | float)
            else {"id": lid, "status": v}
            for lid, v in readings.items()
        ]
        assessments.append(
            {
                "date": (FIRST_DOSE + timedelta(days=day)).isoformat(),
                "lesions": rows,
                "new_lesions": new,
            }
        )
    return parse_recist(
        {
            "subject": "T",
            "first_dose": FIRST_DOSE.isoformat(),
            "confirmation_min_days": 28,
            "sd_min_days": sd_min_days,
            "baseline": {"date": (FIRST_DOSE - timedelta(days=3)).isoformat(), "lesions": lesions},
            "assessments": assessments,
        },
        source="test",
    )
