"""Answers of ``/api/routes``: a rep's visit route for a day."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from geocrm.api.models.geojson import Feature, MultiLineString, Point

#: A local time of the day's plan, YYYY-MM-DDTHH:MM
LocalTime = str


class RouteTotals(BaseModel):
    stops: int
    travel_minutes: float
    km: float
    service_minutes: float
    total_minutes: float
    end: LocalTime = Field(description="back at the base")
    day_limit_minutes: float


class RouteLineProperties(RouteTotals):
    kind: Literal["route"]
    mode: str


class BaseProperties(BaseModel):
    kind: Literal["base"]
    order: Literal[0]
    departure: LocalTime


class StopProperties(BaseModel):
    kind: Literal["stop"]
    order: int = Field(description="1 for the first visit")
    customer_id: int
    name: str
    address: str | None
    arrival: LocalTime
    departure: LocalTime
    arrival_minute: float = Field(description="minutes after the day's start")
    departure_minute: float
    leg_minutes: float = Field(description="travel from the previous stop")
    leg_metres: float


class RouteLineFeature(Feature[MultiLineString, RouteLineProperties]):
    """The route's line, leg by leg, with the day's totals."""


class RouteBaseFeature(Feature[Point, BaseProperties]):
    """The rep's base, where the day starts and ends."""


class RouteStopFeature(Feature[Point, StopProperties]):
    """A visit."""


RouteFeature = Annotated[
    RouteLineFeature | RouteBaseFeature | RouteStopFeature, Field(union_mode="left_to_right")
]


class RouteRep(BaseModel):
    rep_id: int
    name: str
    home_address: str | None


class Baseline(BaseModel):
    """The nearest-neighbour tour of the same stops, for comparison."""

    method: str
    stops: int
    travel_minutes: float
    km: float
    total_minutes: float


class Unscheduled(BaseModel):
    customer_id: int
    name: str
    reason: str


class ReturnLeg(BaseModel):
    leg_minutes: float
    leg_metres: float
    arrival: LocalTime


class VisitRoute(BaseModel):
    """The day's route as GeoJSON (the line, the base, one Point per stop) and its totals."""

    type: Literal["FeatureCollection"]
    features: list[RouteFeature]
    rep: RouteRep
    date: dt.date
    mode: str
    totals: RouteTotals
    baseline: Baseline
    unscheduled: list[Unscheduled] = Field(description="due customers that do not fit the day")
    return_: ReturnLeg = Field(alias="return", description="the way back to the base")
    solver: str
