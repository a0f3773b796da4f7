"""Leads: the businesses of each loaded city that are not customers yet (issue 16).

``build_leads`` finds them set-based in PostGIS (``spatial_sql/prospecting/leads_*.sql``):

1. **candidates**: the business POIs of ``ref.pois`` (the kinds of
   ``data/prospecting/leads.toml``: shops, restaurants, banks, clinics ...; not benches,
   parking or transit stops) and the buildings of the lead classes (office, retail,
   commercial, public; homes too when the company sells to consumers) with no business POI
   inside; a lead's id is its OSM object's (``n``/``w``/``r`` + id), stable across rebuilds;
2. **enrichment**, like the customers' (``geocrm.enrich``): H3 cell, building, class and
   floor area, address (own ``addr:*`` tags, else the building's, else the nearest address
   within 30 m; a building with none is no lead), the footfall in front, trade areas,
   nearest store and travel time, phone / e-mail / web site from the OSM tags;
3. **dedupe** against ``crm.customers``: the same normalised name within 50 m, the same
   address as a business customer, or the same phone / web site host / e-mail, counted per
   rule;
4. **replace** the city's rows of ``crm.leads`` in one transaction; ``crm.lead_status`` is
   never touched (a lead keeps its status across rebuilds), nor a lead's score and reasons
   (the lookalike model writes them; they stay until it scores again).

``remove_customer_matches`` drops the leads that customers imported since match;
``refresh_network_fields`` rewrites the leads' stores, trade areas and footfall after
``geocrm enrich`` recomputed the stores' layers. ``geocrm.pipeline`` calls them.
"""

from __future__ import annotations

import time
import tomllib
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, text
from tqdm import tqdm

from geocrm import hexgrid
from geocrm.db import bulk_transaction, copy_rows, sql_file
from geocrm.errors import NotFound
from geocrm.settings import lead_settings

#: The rules of what is a lead (package data: ``data/prospecting/leads.toml``).
RULES_FILE = files("geocrm").joinpath("assets", "prospecting", "leads.toml")
#: The dedupe rules, in the order a report lists them.
MATCH_RULES = ("name", "address", "phone", "website", "email")
#: The steps of a build, as its progress bar names them.
BUILD_STEPS = ("candidates", "H3 cells", "place", "stores", "dedupe", "write")


@dataclass(frozen=True)
class LeadRules:
    """What is a lead, from ``leads.toml`` (and ``GEOCRM_LEADS_SELL_TO_CONSUMERS``)."""

    poi_kinds: tuple[str, ...]
    poi_excluded: tuple[str, ...]
    building_classes: tuple[str, ...]
    default_levels: int
    name_within_m: float
    shared_hosts: tuple[str, ...]
    address_within_m: float
    building_within_m: float
    footfall_within_m: float

    def build_params(self, dataset_id: int) -> dict[str, Any]:
        """The bound parameters of ``leads_settings.sql`` for a city."""
        return {
            "dataset_id": dataset_id,
            "poi_kinds": list(self.poi_kinds),
            "poi_excluded": list(self.poi_excluded),
            "building_classes": list(self.building_classes),
            "default_levels": self.default_levels,
            "address_within_m": self.address_within_m,
            "building_within_m": self.building_within_m,
            "footfall_within_m": self.footfall_within_m,
            "huff_res": hexgrid.HUFF_RES,
        }

    def match_params(self, import_id: int | None = None) -> dict[str, Any]:
        """The bound parameters of ``leads_match.sql`` (``import_id``: only the customers
        that import wrote)."""
        return {
            "name_within_m": self.name_within_m,
            "shared_hosts": list(self.shared_hosts),
            "import_id": import_id,
        }


def _pairs(table: dict[str, list[str]]) -> tuple[str, ...]:
    return tuple(sorted(f"{key}={value}" for key, values in table.items() for value in values))


@cache
def _rules_document() -> dict[str, Any]:
    return tomllib.loads(RULES_FILE.read_text())


def lead_rules(*, sell_to_consumers: bool | None = None) -> LeadRules:
    """The lead rules: ``leads.toml``, with homes among the building classes when the
    company sells to consumers (``sell_to_consumers``, else the setting, else the file)."""
    doc = _rules_document()
    buildings = doc["buildings"]
    if sell_to_consumers is None:
        sell_to_consumers = lead_settings().sell_to_consumers
    if sell_to_consumers is None:
        sell_to_consumers = bool(buildings.get("sell_to_consumers", False))
    classes = list(buildings["classes"])
    if sell_to_consumers and "residential" not in classes:
        classes.append("residential")
    dedupe, enrichment = doc["dedupe"], doc["enrichment"]
    return LeadRules(
        poi_kinds=_pairs(doc["pois"]),
        poi_excluded=_pairs(doc.get("pois_excluded", {})),
        building_classes=tuple(classes),
        default_levels=int(buildings["default_levels"]),
        name_within_m=float(dedupe["name_within_m"]),
        shared_hosts=tuple(dedupe.get("shared_hosts", ())),
        address_within_m=float(enrichment["address_within_m"]),
        building_within_m=float(enrichment["building_within_m"]),
        footfall_within_m=float(enrichment["footfall_within_m"]),
    )


@dataclass
class CityLeads:
    """What a build did in one loaded city."""

    dataset: str
    #: points of interest the city holds (any kind)
    pois: int = 0
    #: candidates by origin (``poi``, ``building``) before the dedupe
    candidates: dict[str, int] = field(default_factory=dict)
    #: candidate buildings left out: no address to reach them at
    buildings_without_address: int = 0
    #: candidates that are customers already, per rule (a lead may match several) and total
    matched: dict[str, int] = field(default_factory=dict)
    #: the city's leads now, by origin
    leads: dict[str, int] = field(default_factory=dict)
    #: candidates another loaded city holds already (overlapping extracts)
    held_by_other_city: int = 0
    #: the city's leads with a status row (which the build kept)
    with_status: int = 0
    seconds: float = 0.0
    #: seconds per step of the build (``BUILD_STEPS``)
    steps: dict[str, float] = field(default_factory=dict)
    #: why there are few or no leads, when that is so
    message: str | None = None

    @property
    def total(self) -> int:
        """The city's leads now."""
        return sum(self.leads.values())


@dataclass
class LeadsReport:
    """What ``build_leads`` did, city by city."""

    cities: list[CityLeads] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        """Leads now in the cities built."""
        return sum(c.total for c in self.cities)

    def by_origin(self) -> dict[str, int]:
        """Leads now, by origin (``poi``, ``building``), over the cities built."""
        return {o: sum(c.leads.get(o, 0) for c in self.cities) for o in ("poi", "building")}

    def matched(self) -> dict[str, int]:
        """Candidates dropped as customers already, per rule and ``total``."""
        return {r: sum(c.matched.get(r, 0) for c in self.cities) for r in (*MATCH_RULES, "total")}

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (``geocrm leads build --json``)."""
        return {
            "leads": self.total,
            "by_origin": self.by_origin(),
            "matched_customers": self.matched(),
            "seconds": round(self.seconds, 3),
            "cities": [{**asdict(c), "seconds": round(c.seconds, 3)} for c in self.cities],
        }

    def summary(self) -> str:
        """What the build did, a few lines per city."""
        lines = []
        for c in self.cities:
            rules = ", ".join(f"{r} {c.matched.get(r, 0)}" for r in MATCH_RULES)
            lines += [
                f"leads of '{c.dataset}': {c.total} ({c.leads.get('poi', 0)} businesses, "
                f"{c.leads.get('building', 0)} buildings) in {c.seconds:.1f} s",
                f"  candidates: {c.candidates.get('poi', 0)} business POIs of {c.pois} POIs, "
                f"{c.candidates.get('building', 0)} buildings with no business inside "
                f"({c.buildings_without_address} of them without an address: left out)",
                f"  already customers: {c.matched.get('total', 0)} (by {rules})",
                f"  with a status (kept): {c.with_status}",
            ]
            if c.held_by_other_city:
                lines.append(f"  held by another loaded city: {c.held_by_other_city}")
            if c.message:
                lines.append(f"  {c.message}")
        return "\n".join(lines)


def _sql(name: str):
    return text(sql_file(f"prospecting/{name}.sql"))


def _run_script(conn: Connection, name: str) -> None:
    """A multi-statement step without parameters (it reads the ``lead_build`` table)."""
    conn.connection.driver_connection.execute(sql_file(f"prospecting/{name}.sql"))


def _cities(conn: Connection, dataset: str | None) -> list[tuple[int, str]]:
    rows = [(r.dataset_id, r.name) for r in conn.execute(_sql("leads_cities"), {"name": dataset})]
    if not rows:
        which = f" named {dataset!r}" if dataset else ""
        raise NotFound(f"No loaded city{which}: run `geocrm load-osm` first.")
    return rows


def build_leads(
    engine: Engine,
    dataset: str | None = None,
    progress: bool = True,
    *,
    sell_to_consumers: bool | None = None,
) -> LeadsReport:
    """Build the leads of a loaded city (``dataset``), or of every one; see the module
    docstring. Idempotent: a re-run gives the same leads, statuses untouched.

    Parameters
    ----------
    engine : the database (the owner's, or one acting as GeoCRM's own work).
    dataset : the loaded city's name; None: every loaded city.
    progress : show a progress bar.
    sell_to_consumers : homes are leads too (default: the setting, see ``lead_rules``).
    """
    rules = lead_rules(sell_to_consumers=sell_to_consumers)
    started = time.perf_counter()
    with engine.connect() as conn:
        cities = _cities(conn, dataset)
    report = LeadsReport()
    bar = tqdm(
        total=len(cities) * len(BUILD_STEPS),
        desc="building leads",
        unit=" step",
        disable=not progress,
    )
    try:
        for dataset_id, name in cities:
            report.cities.append(_build_city(engine, rules, dataset_id, name, bar))
    finally:
        bar.close()
    report.seconds = time.perf_counter() - started
    return report


def _build_city(engine: Engine, rules: LeadRules, dataset_id: int, name: str, bar) -> CityLeads:
    """One city's build, in one transaction (all or nothing)."""
    started = time.perf_counter()
    city = CityLeads(name)
    running: list = [None, started]  # the step under way, and when it began

    def step(label: str | None) -> None:
        """Close the step under way (its time, one tick of the bar), begin ``label``."""
        now = time.perf_counter()
        if running[0] is not None:
            city.steps[running[0]] = round(now - running[1], 3)
            bar.update(1)
        running[:] = [label, now]
        if label:
            bar.set_postfix_str(f"{name}: {label}")

    with bulk_transaction(engine) as conn:
        conn.execute(_sql("leads_lock"))
        conn.execute(_sql("leads_settings"), rules.build_params(dataset_id))
        step("candidates")
        _run_script(conn, "leads_candidates")
        step("H3 cells")
        _stage_cells(conn)
        step("place")
        _run_script(conn, "leads_points")
        _run_script(conn, "leads_place")
        step("stores")
        _run_script(conn, "leads_network")
        _run_script(conn, "leads_rows")
        step("dedupe")
        city.matched = _match(conn, rules, "leads_keys_build")
        step("write")
        _run_script(conn, "leads_replace")
        inserted = conn.execute(_sql("leads_insert")).rowcount
        census = conn.execute(_sql("leads_census")).one()
        step(None)
    city.pois = census.pois
    city.candidates = {"poi": census.poi_candidates, "building": census.building_candidates}
    city.buildings_without_address = census.buildings_without_address
    city.leads = {"poi": census.poi_leads, "building": census.building_leads}
    city.with_status = census.with_status
    kept = sum(city.candidates.values()) - city.buildings_without_address
    city.held_by_other_city = max(0, kept - city.matched.get("total", 0) - inserted)
    city.message = _message(city, rules)
    city.seconds = time.perf_counter() - started
    return city


def _stage_cells(conn: Connection) -> None:
    """The candidates' res-11 H3 cells (``lead_cells``), computed vectorised in Python."""
    points = pd.read_sql(_sql("leads_candidate_points"), conn)
    cells = hexgrid.latlng_to_cells(points["lat"].to_numpy(), points["lon"].to_numpy())
    _run_script(conn, "leads_cells_table")
    copy_rows(
        conn,
        "lead_cells",
        ("lead_id", "h3_11"),
        zip(points["lead_id"], cells.tolist(), strict=True),
    )


def _match(
    conn: Connection, rules: LeadRules, keys: str, import_id: int | None = None
) -> dict[str, int]:
    """Which leads customers (of ``import_id``, else all) match (``lead_matches``), the
    leads' keys made by the step ``keys`` (of a build's leads, or of every current lead);
    counts per rule."""
    _run_script(conn, "leads_customer_points")
    conn.execute(_sql(keys), {"name_within_m": rules.name_within_m})
    _run_script(conn, "leads_keys_analyze")
    conn.execute(_sql("leads_match"), rules.match_params(import_id))
    counts = {rule: leads for rule, leads in conn.execute(_sql("leads_match_counts"))}
    return {rule: int(counts.get(rule, 0)) for rule in (*MATCH_RULES, "total")}


def _message(city: CityLeads, rules: LeadRules) -> str | None:
    """Why a city has no or few leads, in words (a city with no POIs, say)."""
    classes = ", ".join(rules.building_classes)
    if city.total == 0:
        if city.pois == 0:
            return (
                f"no leads: the city has no points of interest and no addressable building "
                f"of the lead classes ({classes})"
            )
        return "no leads: every candidate is a customer already or has no address"
    if city.pois == 0:
        return (
            f"the city has no points of interest: its leads are its addressable buildings "
            f"({classes}) only"
        )
    if city.candidates.get("poi", 0) == 0:
        return "the city has no business points of interest: its leads are buildings only"
    return None


def remove_customer_matches(conn: Connection, *, import_id: int | None = None) -> int:
    """Delete the leads that a customer matches now (the dedupe rules of ``build_leads``,
    on every city's leads); returns how many. Called after a customer import (``import_id``:
    only its customers are compared), within a transaction that sees every customer (the
    owner, or GeoCRM's own work). Status rows stay. No leads: nothing to do, at once."""
    if not conn.execute(_sql("leads_exist")).scalar():
        return 0
    conn.execute(_sql("leads_lock"))
    _run_script(conn, "leads_drop_match_tables")
    _match(conn, lead_rules(), "leads_keys_all", import_id)
    return conn.execute(_sql("leads_remove_matches")).rowcount


def refresh_network_fields(engine: Engine, dataset: str | None = None) -> int:
    """Rewrite the leads' trade areas, nearest store and travel time and footfall from the
    stores' network layers as they are now (after ``geocrm enrich`` recomputed them);
    returns how many leads changed. Cities without leads are skipped."""
    rules = lead_rules()
    changed = 0
    with engine.connect() as conn:
        try:
            cities = _cities(conn, dataset)
        except NotFound:
            return 0
    for dataset_id, _name in cities:
        with bulk_transaction(engine) as conn:
            conn.execute(_sql("leads_lock"))
            conn.execute(_sql("leads_settings"), rules.build_params(dataset_id))
            _run_script(conn, "leads_refresh_points")
            _run_script(conn, "leads_network")
            changed += conn.execute(_sql("leads_refresh_network")).rowcount
    return changed


def has_leads(engine: Engine, dataset: str | None = None) -> bool:
    """Whether a loaded city (or any) has leads, i.e. a build ran on it."""
    with engine.connect() as conn:
        return bool(conn.execute(_sql("leads_any_built"), {"name": dataset}).scalar())
