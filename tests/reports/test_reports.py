"""A regional manager shares a map: folium reports of the hex cube and of a target zone,
as one HTML file that opens anywhere — offline too, in a real browser with no network."""

from __future__ import annotations

import json
import re
from pathlib import Path

import h3
import pytest
from shapely.geometry import Polygon, shape
from sqlalchemy import text

from geocrm import reports
from geocrm.cli import main
from geocrm.cli.report import report_line
from geocrm.cube import build_cube, last_build, query_cube
from geocrm.formats import format_number, format_value
from geocrm.pipeline import enrich_city
from geocrm.reports import (
    class_index,
    external_references,
    heatmap_report,
    quantile_thresholds,
    zone_report,
)

ARTIFACTS = Path(__file__).parents[1] / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
FILTER = {"stage": "client,partner"}
ZONE_NAME = "Report test zone <Kamppi & co>"
ZONE_FILTERS = {"stage": ["customer", "client", "prospect"]}

# the customers the cube counts, with the cube's filters, optionally inside a zone
AUDIENCE = """
SELECT count(*) FILTER (WHERE c.stage <> 'prospect') AS customers,
       count(*) FILTER (WHERE c.stage = 'prospect') AS prospects,
       coalesce(sum(c.annual_revenue), 0) AS revenue
FROM crm.customers c
JOIN crm.customer_enrichment e USING (customer_id)
WHERE c.stage = ANY (CAST(:stages AS text[]))
  AND (CAST(:zone AS integer) IS NULL OR EXISTS (
       SELECT 1 FROM crm.target_zones z WHERE z.zone_id = :zone AND ST_Covers(z.geom, c.geom)))
"""


@pytest.fixture(scope="module")
def built(engine, demo):
    enrich_city(engine, progress=False)
    return build_cube(engine)


@pytest.fixture(scope="module")
def zone(engine, built):
    """A saved target zone: a 600 m circle around the busiest res-8 hexagon's centre."""
    busiest = max(query_cube(engine, res=8), key=lambda c: c["customers"] + c["prospects"])
    lat, lon = h3.cell_to_latlng(busiest["h3"])
    with engine.begin() as conn:
        zone_id = conn.execute(
            text(
                "INSERT INTO crm.target_zones (name, kind, geom, filters, source) VALUES ("
                " :name, 'circle', ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(:lon, :lat),"
                " 4326)::geography, 600)::geometry), CAST(:filters AS jsonb),"
                " CAST(:source AS jsonb)) RETURNING zone_id"
            ),
            {
                "name": ZONE_NAME,
                "lon": lon,
                "lat": lat,
                "filters": json.dumps(ZONE_FILTERS),
                "source": json.dumps({"center": [lon, lat], "radius_m": 600}),
            },
        ).scalar_one()
    yield zone_id
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM crm.target_zones WHERE zone_id = :id"), {"id": zone_id})


@pytest.fixture(scope="module")
def offline_heatmap(engine, built, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports") / "heatmap-offline.html"
    return heatmap_report(engine, measure="revenue", filters=FILTER, out=out, offline=True)


@pytest.fixture(scope="module")
def offline_zone(engine, zone, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports") / "zone-offline.html"
    return zone_report(engine, ZONE_NAME, out=out, offline=True)


def _embedded(page: str) -> dict:
    """The report's data as the page embeds it."""
    match = re.search(r'<script type="application/json" id="geocrm-report">(.*?)</script>', page)
    assert match, "the report embeds its summary and legend"
    return json.loads(match.group(1))


def _audience(engine, stages: list[str], zone: int | None = None) -> dict[str, float]:
    with engine.connect() as conn:
        row = conn.execute(text(AUDIENCE), {"stages": stages, "zone": zone}).mappings().one()
    return {k: float(v) for k, v in row.items()}


# --------------------------------------------------------------------------- heatmap


def test_heatmap_report_from_the_command_line_matches_the_cube(
    engine, built, use_database, tmp_path, capsys
):
    out = tmp_path / "heatmap.html"
    argv = ["report", "heatmap", "--measure", "revenue", "--filter", "stage=client"]
    argv += ["--filter", "stage=partner", "--res", "9", "--out", str(out)]
    assert main(argv) == 0
    said = capsys.readouterr().out
    assert f"heatmap report written to {out}" in said
    page = out.read_text(encoding="utf-8")
    data = _embedded(page)
    cells = query_cube(engine, res=9, filters=FILTER)
    summary = data["summary"]
    # the hexes drawn are the cube's cells, every one of them
    assert summary["hexagons"] == len(cells) > 0
    assert len(re.findall(r'"h3": "8[0-9a-f]{14}"', page)) == len(cells)
    assert all(f'"h3": "{c["h3"]}"' in page for c in cells)
    # totals: the cube's and the customers table's
    raw = _audience(engine, ["client", "partner"])
    assert summary["customers"] == sum(c["customers"] for c in cells) == raw["customers"]
    assert summary["prospects"] == 0 == raw["prospects"]
    assert summary["revenue"] == pytest.approx(raw["revenue"], abs=0.01)
    assert summary["measure_total"] == pytest.approx(raw["revenue"], abs=0.01)
    assert summary["filters"] == {"stage": ["client", "partner"]}
    assert summary["markers_total"] == summary["markers_shown"] == raw["customers"]
    assert summary["data_as_of"] == built_at(engine)
    # the summary table is in the page, as text
    table = re.search(r'<div id="geocrm-summary".*?</table>', page, re.DOTALL).group(0)
    assert format_number(raw["customers"]) in table and "stage = client, partner" in table
    assert "data as of" in table and summary["generated_at"] in table
    # the legend's classes are the app's (quantiles, its palette) and the colours drawn
    legend = data["legend"]
    values = [c["revenue"] for c in cells]
    assert legend["thresholds"] == quantile_thresholds(values) and legend["closed"] == "left"
    assert legend["breaks"] == [min(values), *legend["thresholds"], max(values)]
    assert legend["colors"] == list(reports.PALETTE[: len(legend["breaks"]) - 1])
    assert sum(legend["counts"]) + legend["no_data"] == len(cells)
    for lower, upper, color in zip(
        legend["breaks"], legend["breaks"][1:], legend["colors"], strict=False
    ):
        assert f'data-lower="{lower!r}" data-upper="{upper!r}" data-color="{color}"' in page
    drawn = _drawn_colors(page)
    for cell in cells:
        index = class_index(legend["breaks"], cell["revenue"], closed="left")
        assert drawn[cell["h3"]] == legend["colors"][index]
    # labelled and formatted as the app: the measure's label with its unit, money in €
    panel = re.search(r'<div id="geocrm-legend".*?</h2>', page, re.DOTALL).group(0)
    assert "Annual revenue (€)" in panel
    assert f"≥ {format_value('revenue', legend['thresholds'][-1])}" in page
    # online: the usual CDNs and OpenStreetMap tiles
    assert '<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js">' in page
    assert "tile.openstreetmap.org/{z}/{x}/{y}.png" in page
    assert "markerClusterGroup" in page and "L.control.layers" in page
    assert external_references(page)  # the checker sees what an online page loads


def _drawn_colors(page: str) -> dict[str, str]:
    """Hex id -> the fill colour folium's style function draws it in (from the page)."""
    styler = re.search(r"function geo_json_\w+_styler\(feature\) \{(.*?)\n\s*\}\n", page, re.S)
    colors: dict[str, str] = {}
    for block in re.finditer(r'((?:case "[0-9a-f]+":\s*)+)return (\{.*?\});', styler.group(1)):
        fill = json.loads(block.group(2))["fillColor"]
        for hex_id in re.findall(r'case "([0-9a-f]+)"', block.group(1)):
            colors[hex_id] = fill
    default = re.search(r"default:\s*return (\{.*?\});", styler.group(1), re.S)
    if default:
        colors["*"] = json.loads(default.group(1))["fillColor"]
    return _Default(colors)


class _Default(dict):
    def __missing__(self, key: str) -> str:
        return self["*"]


def built_at(engine) -> str:
    return last_build(engine)["built_at"]


def test_a_report_keeps_the_classes_of_an_app_link(engine, built, use_database, tmp_path, capsys):
    """``--classes`` takes the app's ``classes=``: the same thresholds, whatever the values,
    and a bad one is refused before anything is written."""
    out = tmp_path / "fixed.html"
    argv = ["report", "heatmap", "--measure", "customers", "--res", "9", "--out", str(out)]
    assert main([*argv, "--classes", "2,5,10,20"]) == 0
    legend = _embedded(out.read_text(encoding="utf-8"))["legend"]
    assert legend["thresholds"] == [2, 5, 10, 20] and legend["scheme"] == "fixed classes"
    assert legend["colors"] == list(reports.PALETTE)
    assert 'data-classes="2,5,10,20"' in out.read_text(encoding="utf-8")
    capsys.readouterr()
    bad = tmp_path / "bad.html"
    assert main([*argv[:-1], str(bad), "--classes", "10,5"]) != 0
    assert "ascending numbers" in capsys.readouterr().err and not bad.exists()


def test_markers_are_capped_and_the_report_says_so(engine, built, tmp_path):
    report = heatmap_report(
        engine, measure="customers", out=tmp_path / "capped.html", marker_cap=25
    )
    assert report.capped and report.markers_shown == 25
    assert report.markers_total == report.summary["customers"] + report.summary["prospects"]
    page = report.path.read_text(encoding="utf-8")
    assert "capped: only the 25 with the highest revenue are drawn" in page
    assert "capped at 25" in report_line(report)


def test_bad_report_requests_are_errors_with_exit_codes(use_database, built, tmp_path, capsys):
    out = str(tmp_path / "x.html")
    assert main(["report", "heatmap", "--measure", "happiness", "--out", out]) == 2
    assert "unknown measure 'happiness'" in capsys.readouterr().err
    assert main(["report", "heatmap", "--filter", "stage", "--out", out]) == 2
    assert "NAME=VALUE" in capsys.readouterr().err
    assert main(["report", "heatmap", "--filter", "stage=champion", "--out", out]) == 2
    assert "unknown stage 'champion'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:  # argparse's usage error: the same exit code
        main(["report", "heatmap", "--res", "4", "--out", out])
    assert usage.value.code == 2
    assert "resolutions 5..11, not 4" in capsys.readouterr().err
    assert main(["report", "heatmap", "--out", str(tmp_path / "nowhere" / "x.html")]) == 2
    assert "directory" in capsys.readouterr().err
    assert main(["report", "zone", "no such zone", "--out", out]) == 3
    assert "no target zone has the id or name 'no such zone'" in capsys.readouterr().err
    assert not Path(out).exists()


# --------------------------------------------------------------------------- zone


def test_zone_report_by_name_and_by_id(engine, zone, use_database, tmp_path, capsys):
    by_id = tmp_path / "zone-by-id.html"
    assert main(["report", "zone", str(zone), "--out", str(by_id)]) == 0
    assert "zone report written to" in capsys.readouterr().out
    by_name = tmp_path / "zone-by-name.html"
    assert main(["report", "zone", ZONE_NAME, "--out", str(by_name)]) == 0
    first, second = (_embedded(p.read_text(encoding="utf-8")) for p in (by_id, by_name))
    assert first["summary"]["zone"] == second["summary"]["zone"]
    summary = first["summary"]
    assert summary["zone"]["zone_id"] == zone and summary["zone"]["name"] == ZONE_NAME
    assert summary["zone"]["area_km2"] == pytest.approx(3.14159 * 0.36, rel=0.02)
    # the audience: the customers inside the zone that match its filters
    raw = _audience(engine, ZONE_FILTERS["stage"], zone)
    assert raw["customers"] + raw["prospects"] > 0
    assert summary["customers"] == raw["customers"]
    assert summary["prospects"] == raw["prospects"]
    assert summary["revenue"] == pytest.approx(raw["revenue"], abs=0.01)
    assert summary["markers_shown"] == raw["customers"] + raw["prospects"]
    assert summary["filters"] == {"stage": sorted(ZONE_FILTERS["stage"])}
    # the hexes: the cube's cells under the zone's filters whose hexagon touches the zone
    with engine.connect() as conn:
        outline = shape(
            json.loads(
                conn.execute(
                    text("SELECT ST_AsGeoJSON(geom) FROM crm.target_zones WHERE zone_id = :z"),
                    {"z": zone},
                ).scalar_one()
            )
        )
    cells = query_cube(engine, res=9, filters=ZONE_FILTERS)
    touching = [
        c
        for c in cells
        if Polygon([(lon, lat) for lat, lon in h3.cell_to_boundary(c["h3"])]).intersects(outline)
    ]
    assert 0 < summary["hexagons"] == len(touching) < len(cells)
    assert summary["measure_total"] == pytest.approx(sum(c["revenue"] for c in touching))
    page = by_id.read_text(encoding="utf-8")
    assert all(f'"h3": "{c["h3"]}"' in page for c in touching)
    # the zone's name is text, never markup
    assert "&lt;Kamppi &amp; co&gt;" in page and "<Kamppi" not in page


# --------------------------------------------------------------------------- offline


@pytest.mark.parametrize("which", ["offline_heatmap", "offline_zone"])
def test_offline_reports_reference_nothing_on_the_internet(which, request):
    report = request.getfixturevalue(which)
    page = report.path.read_text(encoding="utf-8")
    assert external_references(page) == []
    assert not re.search(r"<script[^>]+src=|<link[^>]+stylesheet", page)
    assert "tileLayer" not in page.split("<body>")[1]
    # Leaflet, jQuery, Bootstrap, awesome-markers and markercluster are inlined
    for asset in ("leaflet/dist/leaflet.js", "jquery/dist/jquery.min.js", "bootstrap.bundle",
                  "leaflet.awesome-markers.js", "leaflet.markercluster.js", "leaflet.css",
                  "bootstrap.min.css", "MarkerCluster.Default.css"):  # fmt: skip
        assert f"/* {asset}" in page or asset in page
    assert "data:image/png;base64," in page  # the stylesheets' images
    assert "sourceMappingURL" not in page
    # the city's streets instead of tiles
    assert "Streets (drive network)" in page


@pytest.mark.parametrize("which", ["offline_heatmap", "offline_zone"])
def test_offline_reports_open_in_headless_chromium(which, request):
    """The file opens in Debian's chromium with the network cut: no request leaves
    ``file://``, no console error, and Leaflet draws the hexagons in the legend's colours."""
    assert CHROMIUM.exists(), "chromium is missing: run scripts/install-system-deps.sh"
    from playwright.sync_api import sync_playwright  # deferred: a heavy test-only package

    report = request.getfixturevalue(which)
    attempted: list[str] = []
    errors: list[str] = []

    def route(route_):
        if route_.request.url.startswith("file://"):
            route_.continue_()
        else:
            attempted.append(route_.request.url)
            route_.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.route("**/*", route)
            page.on("console", lambda m: errors.append(m.text) if m.type in ("error",) else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("requestfailed", lambda r: errors.append(f"failed: {r.url}"))
            page.goto(report.path.as_uri(), wait_until="load")
            page.wait_for_selector(".leaflet-overlay-pane path.leaflet-interactive")
            page.wait_for_timeout(500)
            drawn = page.evaluate(
                """() => {
                    const map = Object.values(window).find(v => v instanceof L.Map);
                    const hexes = [];
                    map.eachLayer(l => {
                        const p = l.feature && l.feature.properties;
                        if (p && 'h3' in p && l._path) {
                            hexes.push([p.h3, p.value, l.options.fillColor,
                                        l._path.getAttribute('fill')]);
                        }
                    });
                    const legend = [...document.querySelectorAll('#geocrm-legend [data-upper]')]
                        .map(e => [+e.dataset.lower, +e.dataset.upper, e.dataset.color]);
                    return {
                        hexes, legend,
                        svgPaths: document.querySelectorAll(
                            '.leaflet-overlay-pane svg path').length,
                        clusters: document.querySelectorAll('.marker-cluster').length,
                        summary: document.querySelector('#geocrm-summary').innerText,
                        zoom: map.getZoom(),
                    };
                }"""
            )
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"report-{which}.png"))
        finally:
            browser.close()
    assert attempted == []
    assert errors == []
    summary = report.summary
    assert len(drawn["hexes"]) == summary["hexagons"] > 0
    assert drawn["svgPaths"] >= summary["hexagons"]
    assert drawn["clusters"] > 0 and drawn["zoom"] >= 12
    assert format_number(summary["customers"]) in drawn["summary"].replace(" ", "\u00a0")
    breaks = [drawn["legend"][0][0], *(upper for _, upper, _ in drawn["legend"])]
    assert breaks == pytest.approx(report.legend.breaks)
    colors = [color for _, _, color in drawn["legend"]]
    for _h3, value, fill, svg_fill in drawn["hexes"]:
        index = class_index(breaks, value, closed=report.legend.closed)
        expected = reports.NO_DATA_COLOR if index is None else colors[index]
        assert fill == svg_fill == expected


def test_reports_take_the_maps_filters_and_say_which(engine, zone, use_database, tmp_path, capsys):
    """The CLI's --filter is the map's filter state (the month too); a zone's --filter
    replaces its saved filter of that dimension; the printed line names the filters used."""
    months = last_build(engine)["months"]
    heat = tmp_path / "heat-month.html"
    args = ["--filter", "stage=client,partner", "--filter", f"month={months[-1]}"]
    assert main(["report", "heatmap", *args, "--out", str(heat)]) == 0
    line = capsys.readouterr().out
    assert f"filters: stage = client, partner; month = {months[-1]}-01" in line
    summary = _embedded(heat.read_text(encoding="utf-8"))["summary"]
    cells = query_cube(engine, res=9, filters={"stage": "client,partner", "month": months[-1]})
    assert summary["hexagons"] == len(cells)
    # a zone: the saved filter replaced by the one given
    out = tmp_path / "zone-override.html"
    assert main(["report", "zone", str(zone), "--filter", "stage=client", "--out", str(out)]) == 0
    assert "filters: stage = client" in capsys.readouterr().out
    summary = _embedded(out.read_text(encoding="utf-8"))["summary"]
    assert summary["filters"] == {"stage": ["client"]}
    raw = _audience(engine, ["client"], zone)
    assert summary["customers"] == raw["customers"] and summary["prospects"] == 0
    # and without an override, the saved filters, said so
    assert main(["report", "zone", str(zone), "--out", str(out)]) == 0
    assert "filters: stage = client, customer, prospect" in capsys.readouterr().out
