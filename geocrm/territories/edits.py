"""Editing plans: a new version of any plan (``copy_plan``), and edits of a draft: cells
moved or (un)locked (``move_cells``), a territory's rep, lock or name (``edit_territory``).

A copy is a draft with ``version`` + 1 and ``based_on`` the plan, whose territories are
each ``based_on`` the one they copy (migration ``0018``): that is how a published plan is
changed. Every edit re-evaluates the plan and stores its stats, and is recorded in
``crm.territory_edits`` with the balance and the strong bonds kept before and after. A
locked territory keeps exactly its cells: no cell moves into or out of it.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import h3
import numpy as np
from sqlalchemy import Connection, Engine

from geocrm import hexgrid
from geocrm.db import query
from geocrm.errors import InvalidInput, NotFound
from geocrm.territories.area import Area
from geocrm.territories.evaluation import evaluate
from geocrm.territories.grid import balance
from geocrm.territories.loading import load_area, network_travel, rep_bases
from geocrm.territories.plans import (
    _draft_for_update,
    _plan,
    _record,
    _stats_json,
    _territory_rows,
    plan_title,
    territory_title,
)


class Keep(enum.Enum):
    """The type of :data:`KEEP`."""

    KEEP = "keep"


#: "Leave it as it is" for an edit's optional fields where ``None`` means something
#: (``rep_id=None``: the territory has no rep).
KEEP = Keep.KEEP


@dataclass
class _Draft:
    """A draft plan locked for an edit: its row, territories (in id order), cells and area."""

    plan: Mapping[str, Any]
    territories: list[dict[str, Any]]
    cells: dict[int, int]  # h3 -> territory_id
    area: Area

    def labels(self, cells: Mapping[int, int] | None = None) -> np.ndarray:
        """Territory position (into ``territories``) of each area cell, for ``cells``
        (h3 -> territory_id; default the saved ones)."""
        cells = self.cells if cells is None else cells
        position = {t["territory_id"]: i for i, t in enumerate(self.territories)}
        return np.array([position[cells[int(c)]] for c in self.area.cells])


def _load_draft(conn: Connection, plan_id: int) -> _Draft:
    """The draft ``plan_id``, locked for the edit (``NotFound``; ``Conflict`` unless a draft)."""
    plan = _draft_for_update(conn, plan_id)
    cells = {
        int(r.h3): int(r.territory_id)
        for r in conn.execute(query("territories/cells"), {"plan_id": plan_id})
    }
    return _Draft(
        plan=plan,
        territories=_territory_rows(conn, plan_id),
        cells=cells,
        area=load_area(conn, plan["res"], list(cells)),
    )


def _owners(conn: Connection, territories: Sequence[Mapping[str, Any]]) -> list[dict | None]:
    """Each territory's rep (with home base) as :func:`evaluate` takes it; None for a
    territory without a rep or with an inactive one."""
    reps = {r["rep_id"]: r for r in rep_bases(conn)}
    return [reps.get(t["rep_id"]) for t in territories]


def _balance_and_bonds(
    draft: _Draft, labels: np.ndarray, owners: Sequence[dict | None]
) -> tuple[float | None, int]:
    """The balance and the strong bonds kept of a partition of the draft (cheap: no
    polygons), for the "before" of an edit."""
    work = draft.area.workload(draft.plan["measure"])
    loads = np.bincount(labels, weights=work, minlength=len(draft.territories))
    kept = draft.area.kept_bonds(labels, [o["rep_id"] if o else None for o in owners])
    return balance(loads), int(kept.sum())


def _store_evaluation(
    conn: Connection, engine: Engine, draft: _Draft, labels: np.ndarray
) -> dict[str, Any]:
    """Evaluate the draft's partition ``labels`` with its territories' reps as saved now,
    store each territory's stats and the plan's, and return the plan's figures. Every edit
    of a draft ends here."""
    territories = _territory_rows(conn, draft.plan["plan_id"])  # an edit may change reps
    plan_stats, stats = evaluate(
        draft.area,
        labels,
        draft.plan["measure"],
        _owners(conn, territories),
        travel=network_travel(engine),
    )
    for territory, t in zip(territories, stats, strict=True):
        conn.execute(
            query("territories/update_territory_stats"),
            {"territory_id": territory["territory_id"], "stats": _stats_json(t)},
        )
    conn.execute(
        query("territories/update_plan_stats"),
        {"plan_id": draft.plan["plan_id"], "stats": json.dumps(plan_stats)},
    )
    return plan_stats


def _finish_edit(
    conn: Connection,
    engine: Engine,
    draft: _Draft,
    labels: np.ndarray,
    edit: dict[str, Any],
    balance_before: float | None,
    kept_before: int,
) -> dict[str, Any]:
    """The end of every edit of a draft: store its evaluation, record ``edit`` with the
    balance and the strong bonds kept before and after and whether every territory is one
    piece, and return the plan with that ``edit``."""
    plan_stats = _store_evaluation(conn, engine, draft, labels)
    edit = {
        **edit,
        "balance_before": balance_before,
        "balance_after": plan_stats["balance"],
        "bonds_kept_before": kept_before,
        "bonds_kept_after": plan_stats["bonds_kept"],
        "contiguous": plan_stats["contiguous"],
    }
    _record(conn, draft.plan["plan_id"], edit)
    result = _plan(conn, draft.plan["plan_id"])
    result["edit"] = edit
    return result


def move_cells(
    engine: Engine,
    plan_id: int,
    cells: Sequence[Any],
    *,
    territory_id: int | None = None,
    locked: bool | None = None,
    who: str = "geocrm",
) -> dict[str, Any]:
    """Edit a draft: move ``cells`` to ``territory_id`` and/or (un)lock them.

    A locked territory keeps exactly its cells: moving a cell into or out of one is
    refused (``InvalidInput``). Returns the plan after the edit, with ``edit`` = the
    balance and the strong bonds kept before and after, and whether every territory is
    still one piece. Recorded in ``crm.territory_edits``.
    """
    with engine.begin() as conn:
        draft = _load_draft(conn, plan_id)
        by_id = {t["territory_id"]: t for t in draft.territories}
        if territory_id is not None and territory_id not in by_id:
            raise InvalidInput(f"the chosen territory is not one of {plan_title(draft.plan)}'s")
        parsed = [hexgrid.parse_cell(c) for c in cells]
        missing = [h3.int_to_str(c) for c in parsed if c not in draft.cells]
        if missing:
            raise InvalidInput(
                f"{len(missing)} of the chosen hexagons are outside {plan_title(draft.plan)}: "
                "choose hexagons inside its territories"
            )
        if territory_id is not None:
            for c in parsed:
                here = draft.cells[c]
                for end in (here, territory_id) if here != territory_id else ():
                    if by_id[end]["locked"]:
                        raise InvalidInput(
                            f"{territory_title(by_id[end])} is locked: it keeps exactly its "
                            f"hexagons, so none can move {'out of' if end == here else 'into'}"
                            " it (unlock it first)"
                        )
        old = draft.labels()
        owners = _owners(conn, draft.territories)
        before, kept_before = _balance_and_bonds(draft, old, owners)
        conn.execute(
            query("territories/update_cell"),
            {"plan_id": plan_id, "h3": parsed, "territory_id": territory_id, "locked": locked},
        )
        moved = dict(draft.cells)
        if territory_id is not None:
            moved.update(dict.fromkeys(parsed, territory_id))
        new = draft.labels(moved)
        emptied = [
            t["territory_id"] for i, t in enumerate(draft.territories) if not (new == i).any()
        ]
        if emptied:
            raise InvalidInput(
                f"the move would leave {territory_title(by_id[emptied[0]])} without cells: "
                "keep at least one hexagon in it"
            )
        edit = {
            "action": "edit",
            "who": who,
            "cells": [h3.int_to_str(c) for c in parsed],
            "territory_id": territory_id,
            "locked": locked,
        }
        return _finish_edit(conn, engine, draft, new, edit, before, kept_before)


def edit_territory(
    engine: Engine,
    plan_id: int,
    territory_id: int,
    *,
    rep_id: int | Keep | None = KEEP,
    locked: bool | None = None,
    name: str | None = None,
    who: str = "geocrm",
) -> dict[str, Any]:
    """Edit one territory of a draft: give it another rep (or none), lock or unlock it,
    rename it.

    Parameters
    ----------
    rep_id
        The new rep (an active rep of ``crm.reps``), ``None`` for no rep, or :data:`KEEP`.
        Another rep keeps and breaks other strong bonds and changes the travel times: the
        plan is re-evaluated and its stats stored, as after a cell move.
    locked
        Lock (``True``: a redesign keeps exactly its cells, and cells cannot be moved into
        or out of it) or unlock; ``None`` leaves it.
    name
        A new name (1..200 characters); ``None`` leaves it.
    who
        Recorded with the edit in ``crm.territory_edits``.

    Returns the plan (as :func:`get_plan`) with ``edit``: the changes (each field's value
    before and after), the balance and the strong bonds kept before and after, and
    whether every territory is one piece. ``NotFound`` for an unknown plan or a territory
    not in it, ``Conflict`` unless the plan is a draft, ``InvalidInput`` for an unknown or
    inactive rep, a bad name or nothing to change.
    """
    if rep_id is KEEP and locked is None and name is None:
        raise InvalidInput("nothing to change: give rep_id, locked or name")
    if (
        rep_id is not KEEP
        and rep_id is not None
        and (not isinstance(rep_id, int) or isinstance(rep_id, bool))
    ):
        raise InvalidInput(f"rep_id must be a rep's id or null (no rep), not {rep_id!r}")
    if locked is not None and not isinstance(locked, bool):
        raise InvalidInput(f"locked must be true or false, not {locked!r}")
    if name is not None:
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput("name must be a non-empty text")
        name = name.strip()
        if len(name) > 200:
            raise InvalidInput("name must be at most 200 characters")
    with engine.begin() as conn:
        draft = _load_draft(conn, plan_id)
        row = next((t for t in draft.territories if t["territory_id"] == territory_id), None)
        if row is None:
            raise NotFound(f"territory {territory_id} is not in territory plan {plan_id}")
        if rep_id is not KEEP and rep_id is not None:
            rep = conn.execute(query("territories/rep"), {"rep_id": rep_id}).mappings().first()
            if rep is None:
                raise InvalidInput(f"rep {rep_id} does not exist")
            if not rep["active"]:
                raise InvalidInput(f"rep {rep['name']} is not active")
        requested = {"rep_id": rep_id, "locked": locked, "name": name}
        changes = {
            field_name: {"before": row[field_name], "after": value}
            for field_name, value in requested.items()
            if value is not KEEP and (value is not None or field_name == "rep_id")
        }
        labels = draft.labels()
        before, kept_before = _balance_and_bonds(draft, labels, _owners(conn, draft.territories))
        conn.execute(
            query("territories/update_territory"),
            {
                "plan_id": plan_id,
                "territory_id": territory_id,
                "name": name,
                "locked": locked,
                "set_rep": rep_id is not KEEP,
                "rep_id": None if rep_id is KEEP else rep_id,
            },
        )
        edit = {
            "action": "territory",
            "who": who,
            "territory_id": territory_id,
            "changes": changes,
        }
        return _finish_edit(conn, engine, draft, labels, edit, before, kept_before)


def copy_plan(engine: Engine, plan_id: int, *, who: str = "geocrm") -> dict[str, Any]:
    """A new version of a plan (a draft, a published or an archived one): a draft with the
    same name, ``version`` + 1, ``based_on`` the plan, the same territories (name, rep,
    lock, stats; each ``based_on`` the territory it copies) and the same cells with their
    locks. This is how a published, read-only plan is changed: copy, edit, publish.

    Returns the new draft as :func:`get_plan` does; ``NotFound`` for an unknown plan.
    Recorded in ``crm.territory_edits`` (action ``copy``).
    """
    with engine.begin() as conn:
        row = conn.execute(query("territories/copy_plan"), {"plan_id": plan_id}).first()
        if row is None:
            raise NotFound(f"territory plan {plan_id} does not exist")
        copy = _plan(conn, row.plan_id)
        _record(
            conn,
            row.plan_id,
            {
                "action": "copy",
                "who": who,
                "from_plan": plan_id,
                "version": copy["version"],
                "cells": row.cells,
            },
        )
        return copy
