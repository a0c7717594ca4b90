"""MkDocs hook: draws the benchmark figures in ``docs/benchmarks.json`` as SVG bar charts.

The benchmarks in ``bench/`` write their figures to ``docs/benchmarks.json``:
``{"charts": [{"id", "title", "unit", "lower_is_better", "bars": [{"label", "value"}]}]}``.
Each chart becomes ``assets/charts/<id>.svg`` in the built site (nothing is written to the
source tree), so a page shows it with ``![...](assets/charts/<id>.svg)``. Plain SVG text: no
plotting library is needed.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any, Dict, List

from mkdocs.structure.files import File, Files

BAR_HEIGHT = 26
GAP = 10
LABEL_WIDTH = 150
PLOT_WIDTH = 420
COLOURS = ("#3f51b5", "#9e9e9e", "#ff9800", "#4caf50", "#e91e63")


def on_files(files: Files, config: Any) -> Files:
    source = Path(config["docs_dir"]) / "benchmarks.json"
    if not source.exists():
        return files
    for chart in json.loads(source.read_text(encoding="utf-8")).get("charts", []):
        path = f"assets/charts/{chart['id']}.svg"
        files.append(File.generated(config, path, content=render(chart)))
    return files


def render(chart: Dict[str, Any]) -> str:
    """One horizontal bar chart: a bar per label, its value written at its end."""
    bars: List[Dict[str, Any]] = chart["bars"]
    top = max((float(b["value"]) for b in bars), default=1.0) or 1.0
    unit = chart.get("unit", "")
    note = "lower is better" if chart.get("lower_is_better") else "higher is better"
    height = 40 + len(bars) * (BAR_HEIGHT + GAP) + 20
    width = LABEL_WIDTH + PLOT_WIDTH + 90
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">',
        f'<text x="0" y="16" font-weight="bold">{escape(chart["title"])}</text>',
        f'<text x="0" y="32" fill="#666" font-size="11">{escape(unit)}, {note}</text>',
    ]
    for i, bar in enumerate(bars):
        y = 42 + i * (BAR_HEIGHT + GAP)
        value = float(bar["value"])
        length = max(1.0, PLOT_WIDTH * value / top)
        colour = COLOURS[i % len(COLOURS)]
        out += [
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT * 0.68:.0f}" '
            f'text-anchor="end">{escape(str(bar["label"]))}</text>',
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" '
            f'fill="{colour}"/>',
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{y + BAR_HEIGHT * 0.68:.0f}">'
            f"{value:g} {escape(unit)}</text>",
        ]
    out.append("</svg>")
    return "\n".join(out) + "\n"
