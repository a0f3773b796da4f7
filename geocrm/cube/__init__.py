"""The OLAP hex cube: customer measures per H3 cell at resolutions 5..11, filterable.

Four tables of schema ``cube`` (``spatial_sql/migrations/0007_cube.sql``, ``0009``):

* ``cube.facts`` — additive measures per res-11 cell x stage x segment x kind x building
  class x nearest store x rep x territory;
* ``cube.activity_facts`` — the same per month of activity (below);
* ``cube.cell_context`` — foot traffic, addressable buildings and households per res-11 cell;
* ``cube.rollup`` — the unfiltered totals per cell at every resolution.

A question without filters is answered from ``cube.rollup``; any filter combination is
aggregated at query time from ``cube.facts`` with ``cube.fact_sums`` (the one definition
of the sums and, through ``cube.in_audience``, of the filters, in
``spatial_sql/functions/vocabulary.sql``). Both paths return the same additive sums
(exact ``numeric``), and the derived measures (means, penetration) are computed from them
here, so the caller cannot tell which path answered. The dimensions, measures and the
validation of filters are declared once, in :mod:`geocrm.vocabulary`.

**Who sees what (the k-rule).** The cells are not rows, so row-level security does not
scope them; ``cube.cells`` (``spatial_sql/functions/vocabulary_k_rule.sql``) answers every
question for the user of the transaction. With no rule (``auth.min_cell_count()`` NULL:
admins, marketers, the CLI) the sums are complete. Otherwise a user's own customers
(``auth.scope_reps()``: a manager's reps, a rep's own) always count, and the others of a
res-11 cell only when there are at least k of them; the smaller ones are pooled in the
parent cell and shown there once the pool reaches k, else pooled again one resolution up
(``cube.held_back``). Each cell then carries ``suppressed_cells``, the res-11 cells held
back from its figures. Every figure is a user's own customers plus whole groups of k or
more, so neither a cell nor a difference of cells (parent and children, a total of the
cells shown) isolates anyone else's customer. The tiles (``tiles.cube_cells``) and the
zone counts (``crm.audience_counts``) apply the same rule.

**Freshness.** ``build_cube`` computes everything (an explicit ``geocrm cube build``, once).
From then on, triggers queue the res-11 cells whose customers, enrichment or interactions
change (``cube.dirty_cells``), and ``refresh_cube`` recomputes the facts of just those
cells and the roll-up rows of their ancestors, in one transaction that costs what the
customers of those cells cost; the build and the refresh run the same SQL, restricted to a
set of cells (``spatial_sql/cube/refresh_*.sql``).
``geocrm.freshness`` calls it after every import, manual pin, re-geocoding and enrichment.
Readers never wait: both write with DELETE + INSERT (MVCC), never TRUNCATE.

**Month of activity.** The filter ``month=YYYY-MM`` selects the customers that had at least
one interaction in that month (``cube.activity_month(occurred_at)``: the calendar month in
UTC). Under it the interaction counts (orders, support requests, ...) count only that
month's interactions, and every other measure (customers, prospects, revenue, lifetime
value, satisfaction, churn risk, and the context of the cells) is that of the selected
customers, with their current attributes. It combines with every other filter and is
answered from ``cube.activity_facts`` (the facts per month). One month per question: a
customer active in two months would be counted twice in a sum over months, so several
months are refused (``InvalidInput``) rather than answered wrongly. The cell detail breaks
a cell down by month too.

Modules: :mod:`~geocrm.cube.build` (build and refresh), :mod:`~geocrm.dimension_values`
(the values the data holds, filter validation), :mod:`~geocrm.cube.query` (cells and
their measures), :mod:`~geocrm.cube.detail` (one cell, drill-down, roll-up),
:mod:`~geocrm.cube.export` (GeoJSON, CSV).
"""

from geocrm.cube.build import build_cube, is_built, last_build, refresh_cube
from geocrm.cube.detail import cell_children, cell_detail, cell_parent
from geocrm.cube.export import cells_csv, cells_geojson
from geocrm.cube.query import TOP_CUSTOMERS, descendant_range, query_cube
from geocrm.dimension_values import dimensions, validate_filters
from geocrm.vocabulary import (
    ADDITIVE,
    BUILDING_CLASSES,
    FILTERS,
    KINDS,
    MEASURES,
    MONTH,
    RESOLUTIONS,
    STAGES,
    split_values,
)

__all__ = [
    "ADDITIVE",
    "BUILDING_CLASSES",
    "FILTERS",
    "KINDS",
    "MEASURES",
    "MONTH",
    "RESOLUTIONS",
    "STAGES",
    "TOP_CUSTOMERS",
    "build_cube",
    "cell_children",
    "cell_detail",
    "cell_parent",
    "cells_csv",
    "cells_geojson",
    "descendant_range",
    "dimensions",
    "is_built",
    "last_build",
    "query_cube",
    "refresh_cube",
    "split_values",
    "validate_filters",
]
