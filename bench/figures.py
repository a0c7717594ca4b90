"""The figures the benchmarks write for the documentation's charts.

``docs/benchmarks.json`` holds ``{"charts": [{"id", "title", "unit", "lower_is_better",
"bars": [{"label", "value"}]}]}``; the docs build (``docs/_hooks/charts.py``) draws each chart
as ``assets/charts/<id>.svg``. A benchmark replaces the charts it measured and leaves the
others as they are.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

__all__ = ["FIGURES", "Chart", "save_charts"]

FIGURES = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.json"

#: ``(id, title, unit, lower_is_better, [(label, value), ...])``; a bar whose value is None
#: (a library that is not installed) is left out.
Chart = Tuple[str, str, str, bool, Sequence[Tuple[str, Optional[float]]]]


def save_charts(charts: List[Chart], path: Path = FIGURES) -> None:
    """Writes ``charts`` into ``path``, replacing those with the same ids."""
    figures = json.loads(path.read_text()) if path.exists() else {"charts": []}
    for chart_id, title, unit, lower_is_better, bars in charts:
        chart: Dict[str, object] = {
            "id": chart_id,
            "title": title,
            "unit": unit,
            "lower_is_better": lower_is_better,
            "bars": [
                {"label": label, "value": round(value, 3)}
                for label, value in bars
                if value is not None
            ],
        }
        kept = [c for c in figures["charts"] if c.get("id") != chart_id]
        figures["charts"] = [*kept, chart]
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    print(f"figures written to {path.relative_to(path.parent.parent)}")
