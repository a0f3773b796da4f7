"""The hex cube's vocabulary, declared once: dimensions, measures, resolutions, the month
filter, and the one parser of a filter document.

Everything that filters customers by the cube's dimensions (the cube, the map tiles,
target zones, reports, the API's query parameters and the web app, which reads this
through ``GET /api/cube/dimensions``) takes its list from here; the SQL side has one
predicate, ``cube.in_audience`` (``spatial_sql/functions/vocabulary.sql``), whose
parameters are these dimensions in this order. Adding a dimension means one edit here
and one there (and a test checks that both agree).

A filter document maps a dimension to one value, a list, or a comma-separated string
(``stage=client,partner``); the values of one dimension are alternatives, dimensions
combine. ``month`` (``YYYY-MM``, one month) keeps the customers active that month.
This module checks the shape of a document; what values the data holds (stores, reps,
segments, months) is looked up by the caller and passed in as ``known``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from geocrm import hexgrid
from geocrm.errors import InvalidInput
from geocrm.identifiers import is_id_text, parse_id

#: Resolutions of the cube, coarsest first.
RESOLUTIONS = hexgrid.RESOLUTIONS
STAGES = ("prospect", "customer", "client", "supporter", "advocate", "partner")
KINDS = ("person", "business")
BUILDING_CLASSES = (
    "residential",
    "commercial",
    "retail",
    "office",
    "public",
    "industrial",
    "other",
)


@dataclass(frozen=True)
class Dimension:
    """A dimension of the cube: what customers are filtered and broken down by."""

    name: str
    label: str
    #: what the values are, for documentation ("ladder stage", "nearest store id")
    description: str
    #: whether the values are integer ids (else text)
    integer: bool = False
    #: the fixed values, or None when the values are those the data holds
    values: tuple[str, ...] | None = None


#: The dimensions of ``cube.facts``, in order (the parameters of ``cube.in_audience``).
DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("stage", "Ladder stage", "ladder stage", values=STAGES),
    Dimension("segment", "Segment", "customer segment"),
    Dimension("kind", "Customer kind", "person or business", values=KINDS),
    Dimension(
        "building_class",
        "Building class",
        "class of the customer's building",
        values=BUILDING_CLASSES,
    ),
    Dimension("store_id", "Nearest store", "nearest store id", integer=True),
    Dimension("rep_id", "Rep", "owner rep id", integer=True),
    Dimension("territory_id", "Territory", "territory id", integer=True),
)
#: Filter names (the dimensions) and whether their values are integer ids.
FILTERS: dict[str, bool] = {d.name: d.integer for d in DIMENSIONS}
#: The month-of-activity filter (``YYYY-MM``, one month per question).
MONTH = "month"
#: Every filter a question may carry: the dimensions, then the month.
FILTER_NAMES = (*FILTERS, MONTH)
MONTH_LABEL = "Month of activity"
MONTH_DESCRIPTION = (
    "month of activity, YYYY-MM (one month): only the customers with an interaction that "
    "month, and only that month's interactions"
)


@dataclass(frozen=True)
class Measure:
    """A measure of a cell: additive (a sum of the facts) or derived from two sums."""

    name: str
    label: str
    unit: str
    #: integer-valued (counts) rather than decimal
    integer: bool = True
    #: derived measures: (numerator sum, denominator sum); None for an additive one
    ratio: tuple[str, str] | None = None

    @property
    def additive(self) -> bool:
        """Whether the measure adds up over cells (else it is a ratio of sums)."""
        return self.ratio is None


#: Every measure a cell has, in output order.
MEASURE_LIST: tuple[Measure, ...] = (
    Measure("customers", "Customers (all stages)", "customers"),
    Measure("prospects", "Prospects", "prospects"),
    Measure("revenue", "Annual revenue", "EUR", integer=False),
    Measure("ltv", "Lifetime value", "EUR", integer=False),
    Measure(
        "mean_satisfaction",
        "Mean satisfaction",
        "score 0-10",
        integer=False,
        ratio=("satisfaction_sum", "satisfaction_n"),
    ),
    Measure(
        "mean_churn_risk",
        "Mean churn risk",
        "probability 0-1",
        integer=False,
        ratio=("churn_sum", "churn_n"),
    ),
    Measure("orders", "Orders", "interactions"),
    Measure("support_requests", "Support requests", "interactions"),
    Measure("complaints", "Complaints", "interactions"),
    Measure("visits", "Visits", "interactions"),
    Measure("survey_responses", "Survey responses", "interactions"),
    Measure("campaign_responses", "Campaign responses", "interactions"),
    Measure(
        "footfall",
        "Foot traffic",
        "index 0-100",
        integer=False,
        ratio=("footfall_sum", "footfall_n"),
    ),
    Measure("addressable_buildings", "Addressable buildings", "buildings"),
    Measure("households", "Households", "households (estimated)", integer=False),
    Measure(
        "penetration",
        "Penetration",
        "customers per household",
        integer=False,
        ratio=("customers", "households"),
    ),
)
# --------------------------------------------------------------------------- glossary
# Plain words for the screen (the app's tooltips, info buttons and Glossary dialog), one
# line each: what a measure, a map layer or a term means to a sales manager, no jargon.

#: One plain line per measure (every measure has one; tests/test_glossary.py checks).
MEASURE_DESCRIPTIONS: dict[str, str] = {
    "customers": "Everyone past the prospect stage (customer, client, supporter, advocate "
    "and partner), not only the stage called customer.",
    "prospects": "People and businesses you may win but who have not bought yet.",
    "revenue": "What the customers spend with you in a year, in euros.",
    "ltv": "Lifetime value: the revenue a customer is expected to bring over the whole "
    "relationship, in euros.",
    "mean_satisfaction": "Average satisfaction score from surveys, 0 (unhappy) to 10 (delighted).",
    "mean_churn_risk": "Average chance that a customer leaves, from 0 (stays) to 1 "
    "(surely leaves).",
    "orders": "Orders placed (every month, or the month chosen).",
    "support_requests": "Requests for help sent to customer support.",
    "complaints": "Complaints received.",
    "visits": "Visits by a sales rep to a customer.",
    "survey_responses": "Answers to satisfaction surveys.",
    "campaign_responses": "Answers to marketing campaigns (a click, a call, a coupon used).",
    "footfall": "Foot traffic: how many people walk past, as an index from 0 (quiet) to "
    "100 (the busiest streets of the city).",
    "addressable_buildings": "Buildings where customers could be (homes, offices, shops).",
    "households": "Estimated number of households living there.",
    "penetration": "Penetration: customers per household, the share of the homes there "
    "that already buy from you.",
}

#: One plain line per map layer of tiles/catalog.toml (the base map included).
LAYER_DESCRIPTIONS: dict[str, str] = {
    "base": "The city map: water, parks, land use, roads and buildings.",
    "trade_areas": "The area each store draws its customers from: how far one walks or "
    "drives in some minutes, rings around it, and where its pull is strongest.",
    "hexes": "The city cut into hexagons of equal size, coloured by the measure chosen; "
    "they get smaller as you zoom in.",
    "buildings": "Buildings coloured by use: homes, shops, offices, public, industry.",
    "streets": "Streets coloured by foot traffic: how many people walk there.",
    "customers": "Your customers as dots when zoomed in, as counts per area further out.",
    "stores": "Your stores and branches.",
    "zones": "The target zones marketers drew and saved.",
    "territories": "The sales territories: the area each rep covers.",
    "plan_changes": "What a new territory plan would change: the customers who would get "
    "another rep, and the strong bonds that would break.",
    "hex_change": "The difference map: how much a measure grew or shrank in each hexagon "
    "between two months or two ranges of months (blue: more in the second, red: less).",
    # issue 16 (hotspots)
    "hotspots": "Where a measure clusters: red hexagons where high values sit together "
    "(hot spots), blue where low values do (cold spots), shaded by how sure the test is.",
    "leads": "Businesses and buildings of the city that are not your customers yet, "
    "coloured by where they stand (new, contacted, assigned ...).",
}

#: Terms the screens use, explained (shown in the Glossary dialog).
TERMS: dict[str, str] = {
    "Hexagon": "A cell of the map grid (H3). All hexagons at one zoom have the same size, "
    "so counts compare fairly between areas.",
    "Ladder stage": "Where a relationship stands: prospect, customer, client, supporter, "
    "advocate, partner (from first contact to closest partner).",
    "Huff probability": "The chance that a customer at this address shops at the nearest "
    "store rather than another one, given distances and store sizes (the Huff model).",
    "Strong bond": "A customer who has known the same rep for years or met them often in "
    "the last year; such customers often follow their rep, so a new territory plan should "
    "keep them together.",
    "Workload": "What a territory asks of its rep: customers, revenue or visits per month "
    "(or a mix of the three).",
    "Balance": "How even a territory plan is: the busiest territory's workload divided by "
    "the lightest one's; 1.00 is perfectly even, 1.20 means 20 % more work for one rep.",
    "Trade area": "The area a store draws its customers from.",
    "Foot traffic": "How many people walk along a street, as an index from 0 to 100.",
    "Penetration": "Customers per household: the share of homes that already buy from you.",
    "Lifetime value": "The revenue a customer is expected to bring over the whole relationship.",
    # issue 16, the lookalike scores of the leads (wt-lookalike)
    "Lookalike score": "How much a lead looks like your best customers (0 to 1), from where "
    "it is: its building, foot traffic, nearest store and what is around it. Shown only "
    "when the model beats random on customers it did not learn from.",
    "AUC": "How well a score ranks: the chance that a best customer scores above another "
    "one (0.5 is a coin toss, 1 is perfect), measured on customers held out of training.",
    "Top-decile lift": "How many more best customers are among the top 10 % by score than "
    "among all (2 means twice as many).",
    # issue 16 (hotspots)
    "Hotspot": "A group of neighbouring hexagons where a measure is high together (a hot "
    "spot) or low together (a cold spot) more than chance would give.",
    "Gi*": "Getis-Ord Gi*: the test behind hotspots. It compares a hexagon and its six "
    "neighbours with the whole city; the z-score says how far above (or below) chance.",
    "FDR": "False discovery rate: testing every hexagon at once finds some hotspots by "
    "chance; the Benjamini-Hochberg correction keeps such false finds to at most 10 % (or "
    "5 %, 1 %) of those shown.",
}


def hexagon_size(res: int) -> str:
    """A hexagon's size in plain words, e.g. ``"hexagons ~150 m across"`` (corner to
    corner, twice the mean edge length of the resolution)."""
    return f"hexagons ~{hexgrid.across_words(res)} across"


#: Every measure name, in output order.
MEASURES = tuple(m.name for m in MEASURE_LIST)
#: Measures that add up over cells (the rest are ratios of sums).
ADDITIVE = tuple(m.name for m in MEASURE_LIST if m.additive)
#: Measures whose values are whole numbers (counts).
INTEGER_MEASURES = tuple(m.name for m in MEASURE_LIST if m.integer)
#: Measures of the cell context (buildings, foot traffic), not of the customers.
CONTEXT_MEASURES = ("footfall", "addressable_buildings", "households", "penetration")
#: Measures of the customers (what a breakdown by dimension gives).
FACT_MEASURES = tuple(m for m in MEASURES if m not in CONTEXT_MEASURES)
#: The sums a row of the cube holds, from which every measure is computed.
SUMS = (
    *(m for m in ADDITIVE),
    "satisfaction_sum",
    "satisfaction_n",
    "churn_sum",
    "churn_n",
    "footfall_sum",
    "footfall_n",
)


def measure(name: str | None) -> str | None:
    """A measure name checked against :data:`MEASURES` (None passes: every measure)."""
    if name is not None and name not in MEASURES:
        raise InvalidInput(f"unknown measure {name!r}; measures: {', '.join(MEASURES)}")
    return name


def check_res(raw: Any) -> int:
    """A resolution of the cube from a query-string value."""
    if isinstance(raw, str) and is_id_text(raw):  # ASCII digits, at most 20 ('²' is not)
        raw = int(raw)
    return hexgrid.check_res(raw)


# --------------------------------------------------------------------------- filters


def split_values(value: Any) -> list[str]:
    """A filter's values from one value, a list, or a comma-separated string."""
    if value is None:
        return []
    items: Iterable[Any] = value.split(",") if isinstance(value, str) else value
    if isinstance(items, int | float | str):
        items = [items]
    return [str(v).strip() for v in items if str(v).strip()]


def no_filters() -> dict[str, Any]:
    """Parsed filters that filter nothing (every dimension and the month None)."""
    return dict.fromkeys(FILTER_NAMES)


#: What the data holds, asked per filter name: the allowed values (ids, texts, or the
#: months ``YYYY-MM`` in order for ``month``), or None when any value is allowed.
Known = Callable[[str], Sequence[Any] | None]


def parse_filters(
    filters: Mapping[str, Any] | None,
    known: Known,
    *,
    names: Iterable[str] | None = None,
) -> dict[str, Any]:
    """Validated filters: a sorted list of values per dimension and ``month`` as the first
    day of the month (``YYYY-MM-01``); None where a filter is not set.

    Parameters
    ----------
    filters
        Filter name to one value, a list, or a comma-separated string.
    known
        The values the data holds for a filter name (asked only for the filters given
        without fixed values): ``InvalidInput`` lists them when a value is not one of them.
    names
        The filters accepted (default: every dimension and ``month``).
    """
    accepted = tuple(names) if names is not None else FILTER_NAMES
    filters = dict(filters or {})
    unknown = sorted(set(filters) - set(accepted))
    if unknown:
        raise InvalidInput(
            f"unknown filter {', '.join(map(repr, unknown))}; filters: {', '.join(accepted)}"
        )
    params = no_filters()
    for name, raw in filters.items():
        values = split_values(raw)
        if not values:
            continue
        if name == MONTH:
            params[MONTH] = _month(values, list(known(MONTH) or ()))
        elif FILTERS[name]:
            params[name] = _ids(name, raw, values, known)
        else:
            allowed = _DIMENSIONS[name].values
            _check_values(name, values, allowed if allowed is not None else known(name) or ())
            params[name] = sorted(set(values))
    return params


def filter_document(params: Mapping[str, Any]) -> str:
    """Parsed filters as the JSON document ``cube.in_audience`` reads: the filters set,
    each an array of text values, and ``month`` as ``YYYY-MM-01``."""
    doc: dict[str, Any] = {}
    for name, value in params.items():
        if value is None:
            continue
        doc[name] = value if name == MONTH else [str(v) for v in value]
    return json.dumps(doc, separators=(",", ":"))


def saved_params(saved: Mapping[str, Any]) -> dict[str, Any]:
    """Filters saved as :func:`parse_filters` gave them (e.g. a zone's) back as parsed
    filters, dimensions only (saved filters were validated when they were saved)."""
    params: dict[str, Any] = dict.fromkeys(FILTERS)
    for name, values in saved.items():
        if name in FILTERS and values is not None:
            items = split_values(values)
            params[name] = [int(v) for v in items] if FILTERS[name] else items
    return params


_DIMENSIONS = {d.name: d for d in DIMENSIONS}


def _ids(name: str, raw: Any, values: list[str], known: Known) -> list[int]:
    try:
        ids = sorted({parse_id(v, name) for v in values})
    except InvalidInput:
        raise InvalidInput(
            f"{name} takes integer ids (comma-separated, positive 64-bit), got {raw!r:.60}"
        ) from None
    allowed = known(name)
    if allowed is not None:
        _check_values(name, ids, allowed)
    return ids


def _month(values: list[str], months: list[str]) -> str:
    """The first day (``YYYY-MM-01``) of the one month asked for, within the data's months."""
    if len(values) > 1:
        raise InvalidInput(
            f"month takes one month (YYYY-MM), got {len(values)}: a customer active in "
            "several months would be counted once per month in their sum; ask month by month"
        )
    value = values[0]
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise InvalidInput(f"month must be a month as YYYY-MM (e.g. 2026-03), got {value!r}")
    if not months:
        raise InvalidInput("the cube holds no interactions: there is no month of activity")
    if not months[0] <= value <= months[-1]:
        raise InvalidInput(
            f"month {value} is outside the data: months with activity run from {months[0]} "
            f"to {months[-1]} ({', '.join(months)})"
        )
    return f"{value}-01"


def _check_values(name: str, values: Iterable[Any], allowed: Iterable[Any]) -> None:
    allowed = tuple(allowed)
    bad = [v for v in values if v not in allowed]
    if bad:
        shown = ", ".join(map(str, allowed[:50])) + (" ..." if len(allowed) > 50 else "")
        raise InvalidInput(
            f"unknown {name} {', '.join(map(repr, bad))}; {name} may be: {shown or '(none)'}"
        )


# --------------------------------------------------------------------------- describing


def describe(values: Mapping[str, list[dict[str, Any]]], months: list[str]) -> dict[str, Any]:
    """What a client needs to build every filter control and measure list.

    Parameters
    ----------
    values
        Per dimension without fixed values, the values the data holds, each
        ``{"value": ..., "label": ...}``.
    months
        The months of activity (``YYYY-MM``), in order.

    Returns
    -------
    dict
        ``filters``: one entry per dimension then ``month``, each with ``name``, ``label``,
        ``description``, ``integer``, ``multiple`` (several values allowed), ``zones``
        (whether a target zone's audience takes it) and ``values``; ``measure_details``:
        one entry per measure with ``name``, ``label``, ``unit``, ``additive``,
        ``integer`` and ``description`` (plain words); ``layer_descriptions``: a plain
        line per map layer; ``terms``: the glossary of terms; ``hexagon_sizes``: per
        resolution, a hexagon's size in words; ``whitespace_measure_details``: the
        whitespace measures (``GET /api/cube?measure=`` without filters, issue 16) as
        ``measure_details``.
    """
    filters = [
        {
            "name": d.name,
            "label": d.label,
            "description": d.description,
            "integer": d.integer,
            "multiple": True,
            "zones": True,
            "values": (
                [{"value": v, "label": v} for v in d.values]
                if d.values is not None
                else list(values.get(d.name, []))
            ),
        }
        for d in DIMENSIONS
    ]
    filters.append(
        {
            "name": MONTH,
            "label": MONTH_LABEL,
            "description": MONTH_DESCRIPTION,
            "integer": False,
            "multiple": False,
            "zones": False,
            "values": [{"value": m, "label": m} for m in months],
        }
    )
    measures = [
        {
            "name": m.name,
            "label": m.label,
            "unit": m.unit,
            "additive": m.additive,
            "integer": m.integer,
            "by_month": m.name in FACT_MEASURES,
            "description": MEASURE_DESCRIPTIONS[m.name],
        }
        for m in MEASURE_LIST
    ]
    return {
        "filters": filters,
        "measure_details": measures,
        "layer_descriptions": dict(LAYER_DESCRIPTIONS),
        "terms": dict(TERMS),
        "hexagon_sizes": {str(r): hexagon_size(r) for r in RESOLUTIONS},
        "whitespace_measure_details": [
            {
                "name": m.name,
                "label": m.label,
                "unit": m.unit,
                "additive": m.additive,
                "integer": m.integer,
                "by_month": False,
                "description": WHITESPACE_DESCRIPTIONS[m.name],
            }
            for m in WHITESPACE_MEASURE_LIST
        ],
    }


# --------------------------------------------------------------------------- whitespace
# Measures of a place rather than of the customers a filter selects (issue 16): the
# whitespace model's expectations per cell against the cube's actual customers and revenue
# (geocrm/prospecting/whitespace.py). The cube answers them without filters only.

#: The whitespace measures of ``GET /api/cube?measure=``, in output order.
WHITESPACE_MEASURE_LIST: tuple[Measure, ...] = (
    Measure("whitespace", "Whitespace (customers)", "customers", integer=False),
    Measure("expected_customers", "Expected customers", "customers", integer=False),
    Measure("revenue_whitespace", "Whitespace (revenue)", "EUR", integer=False),
    Measure("expected_revenue", "Expected revenue", "EUR", integer=False),
    Measure(
        "market_penetration",
        "Market penetration",
        "customers per household or workplace",
        integer=False,
        ratio=("customers", "households + workplaces"),
    ),
)
WHITESPACE_MEASURES = tuple(m.name for m in WHITESPACE_MEASURE_LIST)
#: One plain line per whitespace measure (the glossary's words).
WHITESPACE_DESCRIPTIONS: dict[str, str] = {
    "whitespace": "Untapped demand: the customers a place like this one usually has, minus "
    "the customers you have there (positive: room to grow).",
    "expected_customers": "The customers a place like this one usually has, judged from its "
    "homes, workplaces, foot traffic, shops and buildings across the whole city.",
    "revenue_whitespace": "Untapped revenue: the revenue a place like this one usually "
    "brings, minus what your customers there spend, in euros a year.",
    "expected_revenue": "The yearly revenue a place like this one usually brings, in euros.",
    "market_penetration": "Customers per home or job: your customers divided by the "
    "estimated households and workplaces there.",
}
LAYER_DESCRIPTIONS["whitespace"] = (
    "Untapped demand per hexagon: the customers a place like this usually has minus the "
    "customers you have there (orange: room to grow, blue: more than expected)."
)
TERMS["Whitespace"] = (
    "Untapped demand: how many more customers (or how much more revenue) a place would "
    "have if it were like the rest of the city with the same homes, workplaces, foot "
    "traffic and shops. Expected minus actual; positive means room to grow."
)
TERMS["Expected customers"] = (
    "What a model fitted across the whole city predicts for a place from what is there, "
    "never from the place's own customers."
)
TERMS["Market penetration"] = (
    "Customers per home or job: your customers divided by the estimated households plus "
    "workplaces of the place (the Penetration measure counts homes only)."
)
