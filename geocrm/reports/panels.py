"""The HTML panels of a report: the summary table and the legend (no folium here)."""

from __future__ import annotations

import html
import itertools
from collections.abc import Mapping
from typing import Any

from geocrm.formats import format_number
from geocrm.reports.legend import NO_DATA_COLOR, Legend
from geocrm.reports.summary import format_value, measure_heading
from geocrm.tiles import catalog


def _stage_colors() -> dict[str, str]:
    """The app's dot colour per ladder stage: the catalogue's customer-points paint."""
    paint = next(
        s["paint"]["circle-color"]
        for s in catalog().layers["customers"].style
        if s["id"] == "customer-points"
    )
    # ["match", ["get", "stage"], stage, colour, ..., fallback]
    return dict(zip(paint[2:-1:2], paint[3:-1:2], strict=True))


#: An en dash between a class's bounds, as the app writes it.
DASH = " \u2013 "
#: Marker colours by ladder stage (the web app's customer dots).
STAGE_COLORS: dict[str, str] = _stage_colors()

#: The style of the panels.
PANEL_CSS = """<style>
.geocrm-panel { position: fixed; z-index: 1000; background: rgba(255,255,255,0.94);
  padding: 8px 10px; border-radius: 6px; box-shadow: 0 1px 5px rgba(0,0,0,0.4);
  font: 12px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
.geocrm-panel h2 { font-size: 14px; margin: 0 0 6px; font-weight: 600; }
.geocrm-panel table { border-collapse: collapse; }
.geocrm-panel th { text-align: left; font-weight: 600; padding: 1px 8px 1px 0;
  vertical-align: top; white-space: nowrap; }
.geocrm-panel td { padding: 1px 0; }
.geocrm-panel td.num { text-align: right; font-variant-numeric: tabular-nums; }
#geocrm-summary { left: 10px; bottom: 60px; max-width: 360px; max-height: 55vh;
  overflow: auto; }
#geocrm-legend { right: 10px; bottom: 30px; }
#geocrm-legend i { display: inline-block; width: 18px; height: 12px; margin-right: 6px;
  vertical-align: middle; border: 1px solid #777; }
.geocrm-note { color: #b71c1c; }
</style>"""


def summary_html(summary: Mapping[str, Any]) -> str:
    """The summary panel: totals, filters, markers, when generated, from which cube build."""
    esc = html.escape
    rows: list[tuple[str, str]] = []
    zone = summary.get("zone")
    if zone:
        rows.append(("zone", f"{esc(zone['name'])} (#{zone['zone_id']}, {esc(zone['kind'])})"))
        rows.append(("zone area", f"{format_number(zone['area_km2'], digits=3)} km²"))
    measure = summary["measure"]
    if summary["measure_total"] is not None:
        where = "hexagons intersecting the zone" if zone else "all hexagons"
        total = format_value(summary["measure_total"], measure)
        rows.append((f"{measure_heading(measure)} total", f"{total} ({where})"))
    rows.append(
        (
            "hexagons",
            f"{format_number(summary['hexagons'])} at H3 resolution {summary['resolution']}",
        )
    )
    who = " in the zone" if zone else ""
    rows.append((f"customers{who}", format_number(summary["customers"])))
    rows.append((f"prospects{who}", format_number(summary["prospects"])))
    rows.append((f"revenue{who}", format_value(summary["revenue"], "revenue")))
    shown = summary["filters"]
    filters = "; ".join(f"{k} = {', '.join(map(str, v))}" for k, v in shown.items()) or "none"
    rows.append(("filters", esc(filters)))
    shown_count, matched = summary["markers_shown"], summary["markers_total"]
    markers = f"{format_number(shown_count)} of {format_number(matched)}"
    if summary["markers_shown"] < summary["markers_total"]:
        markers += (
            f' <span class="geocrm-note">capped: only the {format_number(summary["marker_cap"])} '
            "with the highest revenue are drawn</span>"
        )
    rows.append(("markers", markers))
    rows.append(("generated", esc(summary["generated_at"])))
    rows.append(("data as of", esc(str(summary["data_as_of"] or "unknown")) + " (cube build)"))
    body = "".join(f'<tr data-key="{esc(k)}"><th>{esc(k)}</th><td>{v}</td></tr>' for k, v in rows)
    return (
        f'<div id="geocrm-summary" class="geocrm-panel"><h2>{esc(summary["report"])}</h2>'
        f"<table>{body}</table></div>"
    )


def class_texts(legend: Legend) -> list[str]:
    """The text of each class, as the app's legend writes it: ``< 5``, ``5 to < 20``, ...,
    ``≥ 150`` with an en dash for "to" (natural breaks: ``0 to 3``, ``> 3 to 12``, ...)."""
    measure = legend.measure
    fmt = lambda v: format_value(v, measure)  # noqa: E731
    k = len(legend.colors)
    if legend.closed == "left":
        inner = legend.thresholds
        if not inner:
            return [f"{fmt(legend.breaks[0])}{DASH}{fmt(legend.breaks[-1])}"] if k else []
        return [
            f"< {fmt(inner[0])}",
            *(f"{fmt(a)}{DASH}< {fmt(b)}" for a, b in itertools.pairwise(inner)),
            f"≥ {fmt(inner[-1])}",
        ]
    texts = []
    for i in range(k):
        lower, upper = legend.breaks[i], legend.breaks[i + 1]
        if i == 0 and lower == upper:
            texts.append(fmt(lower))
        else:
            texts.append(f"{'' if i == 0 else '> '}{fmt(lower)}{DASH}{fmt(upper)}")
    return texts


def legend_html(legend: Legend, summary: Mapping[str, Any]) -> str:
    """The legend panel: each class with its colour, bounds and count; stage colours."""
    measure = legend.measure
    rows = []
    for i, (color, text) in enumerate(zip(legend.colors, class_texts(legend), strict=True)):
        lower, upper = legend.breaks[i], legend.breaks[i + 1]
        rows.append(
            f'<div class="geocrm-class" data-lower="{lower!r}" data-upper="{upper!r}" '
            f'data-color="{color}"><i style="background:{color}"></i>{html.escape(text)}'
            f" <small>({format_number(legend.counts[i])})</small></div>"
        )
    if legend.no_data:
        rows.append(
            f'<div class="geocrm-no-data" data-color="{NO_DATA_COLOR}">'
            f'<i style="background:{NO_DATA_COLOR}"></i>no data '
            f"<small>({format_number(legend.no_data)})</small></div>"
        )
    if not rows:
        rows.append("<div>no hexagons</div>")
    stages = "".join(
        f'<div><i style="background:{c};border-radius:50%;width:12px"></i>{s}</div>'
        for s, c in STAGE_COLORS.items()
    )
    thresholds = ""
    if legend.closed == "left" and legend.thresholds:
        fixed = ",".join(f"{t:.10g}" for t in legend.thresholds)
        thresholds = f'<div><small data-classes="{fixed}">classes={fixed}</small></div>'
    return (
        f'<div id="geocrm-legend" class="geocrm-panel">'
        f"<h2>{html.escape(measure_heading(measure))}</h2>"
        f"{''.join(rows)}<div><small>{html.escape(legend.scheme)}</small></div>{thresholds}"
        f'<h2 style="margin-top:6px">Customers by ladder stage</h2>{stages}</div>'
    )
