"""What people do with a lead: assign it to a rep (it becomes a prospect customer), or set
its status (contacted, disqualified, do not contact, or back to new).

Both lock the lead's status row (``crm.lead_status``, made on first use) for their
transaction, so two people acting on one lead at once are served one after the other and
the second sees what the first decided: a lead is assigned once (``Conflict`` the second
time), and a ``do_not_contact`` lead is never assigned.

Assigning writes a customer row for a rep who is not the caller's own (a marketer has no
write access to customer rows), so the write runs as GeoCRM's own work once the caller's
right to it was checked here: the caller sees the lead (row-level security), and a manager
assigns to one of their reps only. ``geocrm.pipeline.assign_lead`` then enriches the new
customer and refreshes the hex cube, as after an import.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, Engine

from geocrm.auth.principal import Principal
from geocrm.db.scope import system_scope
from geocrm.errors import Conflict, Forbidden, InvalidInput, NotFound
from geocrm.prospecting.lead_query import STATUSES, leads_sql, one_lead

#: A lead id: the OSM object it comes from, n<id> (node), w<id> (way) or r<id> (relation).
LEAD_ID_PATTERN = r"^[nwr][0-9]{1,20}$"
#: Statuses set by hand (``assigned`` only comes with an assignment).
SETTABLE_STATUSES = tuple(s for s in STATUSES if s != "assigned")
#: Roles that may assign leads (a manager: to their own reps only).
ASSIGNERS = ("admin", "marketer", "manager")


def check_lead_id(lead_id: Any) -> str:
    """A lead id as ``n123``, ``w123`` or ``r123``; ``InvalidInput`` otherwise."""
    if not isinstance(lead_id, str) or not re.fullmatch(LEAD_ID_PATTERN, lead_id):
        raise InvalidInput(
            f"not a lead id: {str(lead_id)[:60]!r} (n<id>, w<id> or r<id> of its OSM object)"
        )
    return lead_id


def _locked_status(conn: Connection, lead_id: str) -> Any:
    """The lead's status row, made if missing, locked; ``NotFound`` if the lead is unseen."""
    conn.execute(leads_sql("status_row"), {"lead_id": lead_id})
    row = conn.execute(leads_sql("lock_status"), {"lead_id": lead_id}).first()
    if row is None:
        raise NotFound(f"No lead {lead_id}")
    return row


def _refuse_if_taken(row: Any) -> None:
    if row.status == "assigned":
        rep = row.rep_name or "a rep no longer active"
        raise Conflict(
            f"{row.lead_name or 'this lead'} is assigned already, to {rep}: it is one of "
            "their prospects now"
        )


def assign_lead(engine: Engine, lead_id: str, rep_id: int, *, actor: Principal) -> dict[str, Any]:
    """Give a lead to a rep: in one transaction a prospect customer is made of it
    (``source = 'lead'``, external id ``lead:<lead_id>``, the rep's region and the lead's
    point, name, address and contacts) and its status becomes ``assigned``.

    Returns ``lead_id``, ``status``, ``rep_id``, ``customer_id`` (a stop the rep's visit
    route accepts). ``NotFound``: no such lead the actor sees; ``InvalidInput``: no such
    active rep; ``Forbidden``: a manager's rep that is not theirs, or a role that may not
    assign; ``Conflict``: the lead is assigned already, or marked do not contact.
    """
    check_lead_id(lead_id)
    if actor.role not in ASSIGNERS:
        raise Forbidden(f"Your role ({actor.role}) may not assign leads.")
    if actor.role == "manager" and rep_id not in actor.reps:
        raise Forbidden(f"You may assign leads to your own reps only, not to rep {rep_id}.")
    if one_lead(engine, lead_id) is None:  # as the actor: may they see this lead?
        raise NotFound(f"No lead {lead_id}")
    with engine.connect() as conn:
        rep = conn.execute(leads_sql("rep"), {"rep_id": rep_id}).first()
    if rep is None or not rep.active:
        raise InvalidInput(f"No active rep {rep_id}: give the id of an active rep.")
    with system_scope(), engine.begin() as conn:
        row = _locked_status(conn, lead_id)
        _refuse_if_taken(row)
        if row.status == "do_not_contact":
            raise Conflict(
                f"{row.lead_name or 'this lead'} is marked do not contact: it cannot be assigned "
                "(set its status to new first if that changed)"
            )
        customer_id = conn.execute(
            leads_sql("make_customer"), {"lead_id": lead_id, "rep_id": rep_id}
        ).scalar()
        if customer_id is None:
            raise Conflict(f"a customer with external id lead:{lead_id} exists already")
        done = (
            conn.execute(
                leads_sql("set_status"),
                {
                    "lead_id": lead_id,
                    "status": "assigned",
                    "rep_id": rep_id,
                    "customer_id": customer_id,
                    "user_id": actor.user_id,
                },
            )
            .mappings()
            .one()
        )
    return {
        "lead_id": done["lead_id"],
        "status": done["status"],
        "rep_id": done["assigned_rep_id"],
        "customer_id": done["customer_id"],
    }


def set_lead_status(
    engine: Engine, lead_id: str, status: str, *, actor: Principal
) -> dict[str, Any]:
    """Set a lead's status (one of :data:`SETTABLE_STATUSES`) as the actor, within what
    row-level security lets them change; returns the lead as a GeoJSON feature.

    ``InvalidInput``: an unknown status, or ``assigned`` (use :func:`assign_lead`);
    ``NotFound``: no such lead the actor sees; ``Conflict``: the lead is assigned (it is a
    customer now: its status stays ``assigned``)."""
    check_lead_id(lead_id)
    if status == "assigned":
        raise InvalidInput(
            "status assigned is set by assigning the lead to a rep (POST .../assign)"
        )
    if status not in SETTABLE_STATUSES:
        raise InvalidInput(
            f"unknown status {str(status)[:40]!r}: one of {', '.join(SETTABLE_STATUSES)}"
        )
    if actor.role == "analyst":
        raise Forbidden("An analyst changes nothing.")
    with engine.begin() as conn:
        row = _locked_status(conn, lead_id)
        _refuse_if_taken(row)
        conn.execute(
            leads_sql("set_status"),
            {
                "lead_id": lead_id,
                "status": status,
                "rep_id": None,
                "customer_id": None,
                "user_id": actor.user_id,
            },
        )
    feature = one_lead(engine, lead_id)
    if feature is None:  # pragma: no cover - seen a moment ago
        raise NotFound(f"No lead {lead_id}")
    return feature
