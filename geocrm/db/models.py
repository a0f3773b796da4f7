"""SQLAlchemy 2 / GeoAlchemy2 models of the CRM entities (and of ``ref.land_cover``).

The schema itself is owned by the migrations in ``spatial_sql/migrations``; these models
mirror it for ORM use (single-row reads and edits). A test checks they stay in step.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

from geoalchemy2 import Geometry
from sqlalchemy import ARRAY, BigInteger, ForeignKey, Integer, Numeric, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Rep(Base):
    __tablename__ = "reps"
    __table_args__: ClassVar[dict] = {"schema": "crm"}

    rep_id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(unique=True)
    name: Mapped[str]
    email: Mapped[str | None]
    region: Mapped[str]
    home_base = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)
    home_address: Mapped[str | None]
    active: Mapped[bool] = mapped_column(default=True)
    source: Mapped[str] = mapped_column(default="import")


class Store(Base):
    __tablename__ = "stores"
    __table_args__: ClassVar[dict] = {"schema": "crm"}

    store_id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(unique=True)
    name: Mapped[str]
    region: Mapped[str]
    size_m2: Mapped[float]
    attractiveness: Mapped[float] = mapped_column(default=1.0)
    opened_on: Mapped[date | None]
    address: Mapped[str | None]
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)
    source: Mapped[str] = mapped_column(default="import")


class Customer(Base):
    __tablename__ = "customers"
    __table_args__: ClassVar[dict] = {"schema": "crm"}

    customer_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    external_id: Mapped[str] = mapped_column(unique=True)
    name: Mapped[str]
    kind: Mapped[str] = mapped_column(String)  # person | business
    address: Mapped[str | None]
    postcode: Mapped[str | None]
    city: Mapped[str | None]
    segment: Mapped[str | None]
    stage: Mapped[str] = mapped_column(default="prospect")
    annual_revenue: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=0)
    lifetime_value: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=0)
    satisfaction: Mapped[float | None]
    churn_risk: Mapped[float | None]
    assigned_rep_id: Mapped[int | None] = mapped_column(ForeignKey("crm.reps.rep_id"))
    relationship_start: Mapped[date | None]
    region: Mapped[str]
    territory_id: Mapped[int | None] = mapped_column(BigInteger)
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=True)
    geocode_match_level: Mapped[str | None]
    geocode_confidence: Mapped[float | None]
    geocoded_address: Mapped[str | None]
    geocoded_at: Mapped[datetime | None]
    source: Mapped[str] = mapped_column(default="import")
    last_import_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ImportJob(Base):
    __tablename__ = "import_jobs"
    __table_args__: ClassVar[dict] = {"schema": "crm"}

    import_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    source_name: Mapped[str]
    file_format: Mapped[str]
    column_map = mapped_column(JSONB, nullable=False)
    status: Mapped[str] = mapped_column(default="queued")
    phase: Mapped[str | None]
    backend_pid: Mapped[int | None]
    rows_read: Mapped[int] = mapped_column(BigInteger, default=0)
    inserted: Mapped[int | None] = mapped_column(BigInteger)
    updated: Mapped[int | None] = mapped_column(BigInteger)
    unchanged: Mapped[int | None] = mapped_column(BigInteger)
    rejected: Mapped[int | None] = mapped_column(BigInteger)
    geocoded: Mapped[int | None] = mapped_column(BigInteger)
    not_geocoded: Mapped[int | None] = mapped_column(BigInteger)
    rejects_file: Mapped[str | None]
    error: Mapped[str | None]
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("auth.users.user_id"))


class User(Base):
    """A person who signs in (``auth.users``; see ``geocrm.auth``)."""

    __tablename__ = "users"
    __table_args__: ClassVar[dict] = {"schema": "auth"}

    user_id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str]
    display_name: Mapped[str | None]
    role: Mapped[str]
    reps = mapped_column(ARRAY(Integer), nullable=False)
    password_hash: Mapped[str | None]
    oidc_issuer: Mapped[str | None]
    oidc_subject: Mapped[str | None]
    disabled_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    password_changed_at: Mapped[datetime | None]


class Interaction(Base):
    __tablename__ = "interactions"
    __table_args__: ClassVar[dict] = {"schema": "crm"}

    interaction_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("crm.customers.customer_id"))
    type: Mapped[str]
    channel: Mapped[str]
    occurred_at: Mapped[datetime]
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("crm.reps.rep_id"))
    score: Mapped[float | None]
    source: Mapped[str] = mapped_column(default="import")


class LandCover(Base):
    """A base-map area (water, park, landuse) of a loaded city; see ``geocrm.land_cover``."""

    __tablename__ = "land_cover"
    __table_args__: ClassVar[dict] = {"schema": "ref"}

    land_cover_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    dataset_id: Mapped[int]
    osm_type: Mapped[str]
    osm_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str]
    class_: Mapped[str] = mapped_column("class")
    name: Mapped[str | None]
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=False)
