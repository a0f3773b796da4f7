"""Settings per concern, read from the environment (``GEOCRM_`` prefix, ``DATABASE_URL``).

Every setting has a sane default so that ``make demo`` needs none; values are validated
when read, with messages that say what to set.
"""

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from babel import Locale, UnknownLocaleError
from babel.numbers import is_currency
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _project_root() -> Path:
    """The source checkout when GeoCRM runs from one, else the current directory."""
    checkout = Path(__file__).resolve().parent.parent
    return checkout if (checkout / "pyproject.toml").is_file() else Path.cwd()


#: Where GeoCRM keeps what it generates (``.geocrm/``, ``data/generated/``): the checkout
#: (``pip install -e .``, as the README shows), or the current directory for an installed
#: wheel. What GeoCRM *reads* (SQL, tiles, the web app) ships inside the package
#: (``geocrm/assets``, read with ``importlib.resources``).
PROJECT_ROOT = _project_root()


#: Default trade-area settings of the network layers (``geocrm enrich`` flags override them).
NETWORK_DEFAULTS = {
    "walk_minutes": (5.0, 10.0, 15.0),
    "drive_minutes": (3.0, 5.0, 10.0),
    "ring_radii_m": (500.0, 1000.0, 2000.0),
    "decay": 2.0,
}


class DatabaseSettings(BaseSettings):
    """Where the database is: ``DATABASE_URL``, or GeoCRM's own embedded cluster."""

    model_config = SettingsConfigDict(env_prefix="GEOCRM_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        validation_alias="DATABASE_URL",
        description="postgresql://user:pass@host:port/db of an existing PostGIS server. "
        "When unset, GeoCRM starts and owns an embedded cluster under GEOCRM_HOME.",
    )
    home: Path = Field(
        default=PROJECT_ROOT / ".geocrm",
        description="Directory holding the embedded cluster (pgdata/) and its state, and "
        "what imports write (imports/uploads/, imports/rejects/: 0700, files 0600).",
    )
    db_name: str = Field(default="geocrm", description="Database name in the embedded cluster.")
    pg_bin_dir: Path | None = Field(
        default=None, description="Directory of initdb/pg_ctl; found automatically if unset."
    )
    pg_os_user: str = Field(
        default="postgres",
        description="Unprivileged system user that runs the embedded server when GeoCRM "
        "is started as root (PostgreSQL refuses to run as root).",
    )
    app_database_url: str | None = Field(
        default=None,
        description="postgresql://… of the login role the web app uses (a member of "
        "geocrm_app that owns nothing). When unset: the role <database>_web that `geocrm db "
        "migrate` creates, its password kept 0600 in GEOCRM_HOME.",
    )
    statement_timeout_ms: int = Field(default=30_000, ge=100)
    pool_size: int = Field(
        default=5, ge=1, description="Connections each engine of a process keeps open."
    )
    pool_max_overflow: int = Field(
        default=10, ge=0, description="Connections an engine may open beyond pool_size under load."
    )
    pool_timeout_s: float = Field(
        default=5.0,
        gt=0,
        description="Longest wait of a request for a pooled connection; then a 503 with "
        "Retry-After (a tile waits at most what is left of GEOCRM_TILE_TIMEOUT_MS).",
    )
    workers: int = Field(
        default=1,
        ge=1,
        description="GeoCRM server processes sharing the database (uvicorn workers, replicas): "
        "`geocrm serve` sizes its pools so that all of them fit in max_connections.",
    )
    db_reserve_connections: int = Field(
        default=10,
        ge=0,
        description="Connections the pools leave free (psql, CLI commands, import jobs).",
    )

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
            raise ValueError(
                "DATABASE_URL must look like postgresql://user:password@host:5432/dbname"
            )
        return value


class ApiSettings(BaseSettings):
    """How the HTTP service listens and pages its answers."""

    model_config = SettingsConfigDict(env_prefix="GEOCRM_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    page_size_default: int = Field(default=100, ge=1)
    page_size_max: int = Field(default=5000, ge=1)
    upload_max_bytes: int = Field(
        default=2 * 1024**3,
        ge=1,
        description="Largest file an upload may carry (bytes); it streams to disk under "
        "GEOCRM_HOME and stops at the limit (413).",
    )
    upload_concurrency: int = Field(
        default=2,
        ge=1,
        description="Uploads received or being imported at once per server process; "
        "beyond that 503 with Retry-After.",
    )
    geocode_batch_max: int = Field(default=1000, ge=1)
    tile_timeout_ms: int = Field(
        default=5_000, ge=100, description="Statement timeout of one vector tile query."
    )
    tile_max_features: int = Field(
        default=50_000, ge=1, description="Most features of one MVT layer of a tile."
    )
    tile_cache_mb: int = Field(
        default=256, ge=0, description="Memory for cached tiles (0: no cache)."
    )


class CitySettings(BaseSettings):
    """Where customers may be: the loaded cities and a margin around them."""

    model_config = SettingsConfigDict(env_prefix="GEOCRM_", extra="ignore")

    extent_margin_km: float = Field(
        default=10.0,
        ge=0,
        le=1000,  # a geodesic buffer is exact to here; a continent's width is no margin
        allow_inf_nan=False,
        description="A customer farther than this from every loaded city's extent is kept "
        "but flagged outside_city (left out of enrichment, the hex cube and territory "
        "design); a manual pin there is refused.",
    )

    @property
    def extent_margin_m(self) -> float:
        """The margin in metres, as the SQL takes it."""
        return self.extent_margin_km * 1000.0


class AuthSettings(BaseSettings):
    """Sign-in, sessions and what the web app accepts from browsers."""

    model_config = SettingsConfigDict(env_prefix="GEOCRM_", extra="ignore")

    min_cell_count: int = Field(
        default=5,
        ge=1,
        description="Outside a user's own rows a hexagon or zone count is shown only where "
        "it holds at least this many customers.",
    )
    session_hours: float = Field(default=12.0, gt=0, description="A session's life.")
    login_max_failures: int = Field(
        default=5, ge=1, description="Failed sign-ins per e-mail or client within the window."
    )
    login_window_s: int = Field(default=300, ge=1, description="The rate-limit window.")
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default=["127.0.0.1", "localhost", "[::1]", "testserver"],
        description="Host headers the app answers (DNS rebinding); '*' for any.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default=[], description="Origins that may call the API from a browser (CORS off if empty)."
    )
    secure_cookies: bool | None = Field(
        default=None,
        description="Send the session cookie only over TLS; default: when the request is HTTPS.",
    )

    @field_validator("allowed_hosts", "cors_origins", "oidc_email_domains", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        """``GEOCRM_ALLOWED_HOSTS=a.example,b.example``: a comma-separated list."""
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    oidc_issuer: str | None = Field(
        default=None, description="OpenID Connect provider for single sign-on (off if unset)."
    )
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_default_role: str = Field(
        default="analyst",
        description="Role of a user first signing in through the provider: analyst (the "
        "least privilege) or marketer; never admin, and rep or manager need their reps.",
    )
    oidc_redirect_url: str | None = Field(
        default=None,
        description="The callback URL registered at the provider; default: this server's "
        "own base URL + /api/auth/oidc/callback (set it behind a TLS-terminating proxy).",
    )
    oidc_create_users: bool = Field(
        default=True,
        description="Create a user on a first sign-in nobody is linked to (else only "
        "existing users sign in).",
    )
    oidc_email_domains: Annotated[list[str], NoDecode] = Field(
        default=[],
        description="When set, only e-mails of these domains get a new user on a first "
        "sign-in (e.g. example.com,example.org).",
    )

    @field_validator("oidc_default_role")
    @classmethod
    def _sso_role(cls, value: str) -> str:
        """A stranger first signing in never becomes an administrator."""
        if value not in ("analyst", "marketer"):
            raise ValueError(
                "GEOCRM_OIDC_DEFAULT_ROLE must be analyst or marketer: an administrator "
                "gives other roles once the user exists."
            )
        return value


class FormatSettings(BaseSettings):
    """How numbers and money read, in the app and in reports (one setting for both)."""

    model_config = SettingsConfigDict(env_prefix="GEOCRM_", extra="ignore")

    locale: str = Field(
        default="fi-FI",
        description="BCP 47 locale of numbers and money (fi-FI: 1 234 567 €; en-GB: "
        "€1,234,567), for the web app (Intl.NumberFormat) and reports (Babel).",
    )
    currency: str = Field(
        default="EUR",
        description="ISO 4217 code of the money measures (revenue, lifetime value).",
    )

    @field_validator("locale")
    @classmethod
    def _check_locale(cls, value: str) -> str:
        """A locale Babel (CLDR) knows, written with a hyphen: fi-FI, en-GB, sv."""
        text = value.strip().replace("_", "-")
        if not _LOCALE.match(text):
            raise ValueError(f"GEOCRM_LOCALE must be a locale like fi-FI or en-GB, not {value!r}")
        try:
            Locale.parse(text, sep="-")
        except (UnknownLocaleError, ValueError):
            raise ValueError(
                f"GEOCRM_LOCALE={value!r} is no known locale (e.g. fi-FI, sv-FI, en-GB)"
            ) from None
        return text

    @field_validator("currency")
    @classmethod
    def _check_currency(cls, value: str) -> str:
        """An ISO 4217 currency code CLDR knows: EUR, SEK, USD."""
        text = value.strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", text) or not is_currency(text):
            raise ValueError(
                f"GEOCRM_CURRENCY must be an ISO 4217 code like EUR or SEK, not {value!r}"
            )
        return text


#: A BCP 47 language tag as GEOCRM_LOCALE takes it: language, optional script and region.
_LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")


@lru_cache
def format_settings() -> FormatSettings:
    """The number and money formats of this process (read once)."""
    return FormatSettings()


@lru_cache
def city_settings() -> CitySettings:
    """The city-extent settings of this process (read once)."""
    return CitySettings()


@lru_cache
def auth_settings() -> AuthSettings:
    """The sign-in settings of this process (read once)."""
    return AuthSettings()


@lru_cache
def database_settings() -> DatabaseSettings:
    """The database settings of this process (read once)."""
    return DatabaseSettings()


@lru_cache
def api_settings() -> ApiSettings:
    """The API settings of this process (read once)."""
    return ApiSettings()


class LeadSettings(BaseSettings):
    """Prospecting leads (issue 16; the rules are in ``data/prospecting/leads.toml``)."""

    model_config = SettingsConfigDict(env_prefix="GEOCRM_LEADS_", extra="ignore")

    sell_to_consumers: bool | None = Field(
        default=None,
        description="true: the company sells to consumers, so homes (residential "
        "buildings) are leads too; unset: as leads.toml says (false).",
    )


@lru_cache
def lead_settings() -> LeadSettings:
    """The leads settings of this process (read once)."""
    return LeadSettings()
