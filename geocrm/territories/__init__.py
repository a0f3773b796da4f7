"""Territory plans: cut the city's H3 cells into K balanced, contiguous sales territories.

Workload
    Per H3 cell at resolution ``res`` (default 9, ~0.1 km² a cell), computed set-based in
    SQL (``spatial_sql/queries/territories/cell_workload.sql``) from the enriched customers
    (their res-11 cell's parent at ``res``) and their interactions. ``measure`` is one of

    - ``customers``: the number of customers (all ladder stages, prospects included);
    - ``revenue``: their annual revenue;
    - ``visits``: field visits needed per month, per customer
      ``base(stage) + min(1, 0.25 x contacts in the last 90 days / 3)`` with
      ``base`` = prospect 0.25, customer 0.5, client 1, supporter 1, advocate 1.5,
      partner 2 (deeper relationships get more care; an account in active contact
      gets up to one extra visit a month). "The last 90 days" end at the latest
      recorded interaction, so demo data of any date behaves the same;
    - ``mix``: ``0.4 x customers + 0.3 x revenue + 0.3 x visits``, each as a share of the
      area's total (so the units cancel; the area's total mix workload is 100).

Rep-customer bonds
    A customer's bond with its current rep (``assigned_rep_id``) has strength
    ``0.5 x min(1, years since relationship_start / 5) + 0.5 x min(1, contacts with that rep
    in the last 12 months / 12)`` and is *strong* from 0.5 (``crm.customer_bonds()`` in
    ``spatial_sql/functions/territory_assignment.sql``). Design keeps bonds where it can
    (steps 2, 3, 4, 6 and 7 of the partition), and a plan reports
    ``strong_bonds``, ``bonds_kept`` and ``bonds_broken`` (its customers that would change
    rep), also after every edit.

The area
    The cells at ``res`` that hold at least one enriched customer, plus the fewest *gap
    cells* needed to make them one connected piece on the H3 adjacency graph (cells on
    the H3 grid path between the nearest cells of two pieces, e.g. across a park or a
    bay). Gap cells carry no workload; they exist so that every territory can be one
    connected piece. The city's empty cells (``ref.h3_cells.in_city``) are left out: a
    territory is where the accounts are.

Design (``design``, ``partition``, ``best_partition``)
    A region-growing heuristic: seeds at the reps' home bases, growth by travel time and
    strong bonds, refinement to a balance of 1.05, compaction, restarts, an optimal
    matching of reps, a polish by travel time and bonds (the steps:
    :mod:`geocrm.territories.partitioning`; the reps: :mod:`geocrm.territories.designer`).
    ``design_plan(based_on=P)`` designs the next version of plan P, keeping its locks
    (:mod:`geocrm.territories.drafting`).

Reported per territory: workload, customers, revenue, visits, cells, area km², centroid,
Polsby-Popper compactness (4πA/P² of the union of its cells), the rep's mean distance to
its customers and their mean travel time by car from the rep's base on the drive network
(``rep_mean_travel_minutes``; ``rep_mean_travel_minutes_est`` is the straight-line
estimate: distance x 1.3 detour at an assumed 25 km/h). Per plan: ``balance`` (max/min
workload, ``None`` when a territory has none), ``contiguous``, the mean compactness and
the strong bonds kept and broken.

Plans are saved as drafts; ``publish_plan`` writes the territory and its rep onto the
customers (one set-based UPDATE), makes the plan the active one (archiving the previous)
and ``geocrm.pipeline.publish_plan`` refreshes the cube. Published plans are read-only (here and
by a trigger of migration ``0015_territories.sql``).

Versions, edits, comparison
    ``copy_plan`` makes a new version of any plan: a draft with ``version`` + 1 and
    ``based_on`` the plan, whose territories are each ``based_on`` the one they copy
    (migration ``0018``). That is how a published plan is changed. A draft is edited with
    ``move_cells`` (move or (un)lock cells) and ``edit_territory`` (another rep or none,
    lock, name); both re-evaluate the plan and store its stats the same way. A locked
    territory keeps exactly its cells: no cell moves into or out of it.
    ``compare_plan`` says what publishing a plan would change against the current
    assignment or another plan. A customer's territory and rep under a plan is one SQL
    function, ``crm.plan_customers(plan_id)``, used by publishing, the comparison and the
    ``plan_changes`` map layer.

The package, from the pure core up (the first five need no database):

- :mod:`~geocrm.territories.grid`: the H3 grid (neighbours, gap cells, contiguity, balance);
- :mod:`~geocrm.territories.area`: an area's cells, workload measures and travel costs;
- :mod:`~geocrm.territories.partitioning`: the partition core;
- :mod:`~geocrm.territories.designer`: design with the reps (seeds, matching, objectives);
- :mod:`~geocrm.territories.evaluation`: a partition's figures and polygons;
- :mod:`~geocrm.territories.loading`: the area, reps and street travel from the database;
- :mod:`~geocrm.territories.plans`: saved plans, their history, publishing;
- :mod:`~geocrm.territories.drafting`: designing and saving a draft;
- :mod:`~geocrm.territories.edits`: versions and edits of drafts;
- :mod:`~geocrm.territories.comparison`: what publishing a plan would change.

The API is ``geocrm.api.territories``, the CLI ``geocrm territories``.
"""

from geocrm.territories.area import (
    ASSUMED_SPEED_KMH,
    DEFAULT_RES,
    DETOUR_FACTOR,
    MEASURES,
    MIX_WEIGHTS,
    NETWORK_TRAVEL_METHOD,
    RESOLUTIONS,
    TRAVEL_METHOD,
    Area,
    Travel,
    travel_cost,
)
from geocrm.territories.comparison import compare_plan
from geocrm.territories.concentration import territory_concentration
from geocrm.territories.designer import design, match_reps, rep_seeds
from geocrm.territories.drafting import design_plan
from geocrm.territories.edits import KEEP, Keep, copy_plan, edit_territory, move_cells
from geocrm.territories.evaluation import evaluate, polsby_popper, territory_polygon
from geocrm.territories.grid import (
    balance,
    connect_area,
    farthest_points,
    is_contiguous,
    neighbours,
    planar_km,
)
from geocrm.territories.loading import cell_stats, load_area, network_travel, rep_bases
from geocrm.territories.partitioning import (
    BOND_MINUTES,
    COMPACTION_SWEEPS,
    OBJECTIVE_SWEEPS,
    RESTART_MAX_CELLS,
    RESTARTS,
    TARGET_BALANCE,
    Partition,
    best_partition,
    partition,
)
from geocrm.territories.plans import get_plan, list_plans, plan_history, publish_plan

__all__ = [
    "ASSUMED_SPEED_KMH",
    "BOND_MINUTES",
    "COMPACTION_SWEEPS",
    "DEFAULT_RES",
    "DETOUR_FACTOR",
    "KEEP",
    "MEASURES",
    "MIX_WEIGHTS",
    "NETWORK_TRAVEL_METHOD",
    "OBJECTIVE_SWEEPS",
    "RESOLUTIONS",
    "RESTARTS",
    "RESTART_MAX_CELLS",
    "TARGET_BALANCE",
    "TRAVEL_METHOD",
    "Area",
    "Keep",
    "Partition",
    "Travel",
    "balance",
    "best_partition",
    "cell_stats",
    "compare_plan",
    "connect_area",
    "copy_plan",
    "design",
    "design_plan",
    "edit_territory",
    "evaluate",
    "farthest_points",
    "get_plan",
    "is_contiguous",
    "list_plans",
    "load_area",
    "match_reps",
    "move_cells",
    "neighbours",
    "network_travel",
    "partition",
    "plan_history",
    "planar_km",
    "polsby_popper",
    "publish_plan",
    "rep_bases",
    "rep_seeds",
    "territory_concentration",
    "territory_polygon",
    "travel_cost",
]
