"""A realistic, deterministic demo CRM for a loaded city.

``generate_demo_data`` places reps, stores and customers at real addresses of the city
(consumers in residential buildings, business accounts in offices and shops), draws 12
months of interactions, and derives satisfaction, churn risk and lifetime value from them
so that the signals correlate the way they do in real CRMs: revenue follows an 80/20
shape, complaints lower satisfaction, silence and complaints raise churn risk.

It also writes the customer file a user would bring (``data/generated/``): addresses typed
the way people type them (lower case, missing diacritics, abbreviations, apartment
suffixes, Swedish names, typos, and a few addresses that do not exist), plus a truth file
with the real address and point of each row, for the geocoder's tests and benchmarks.
The customers then go through the real import and the geocoder, like a user's file.
Everything depends only on the seed, the customer count and the loaded city.
"""

from __future__ import annotations

import csv
import time
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine
from tqdm import tqdm

from geocrm.db import bulk_transaction, loaded_city, query, sql_file
from geocrm.errors import InvalidInput
from geocrm.freshness import after_customer_change
from geocrm.ingest import import_customers
from geocrm.settings import PROJECT_ROOT

SETTINGS_FILE = PROJECT_ROOT / "data" / "demo" / "settings.toml"
GENERATED_DIR = PROJECT_ROOT / "data" / "generated"
STAGES = ("prospect", "customer", "client", "supporter", "advocate", "partner")
INTERACTION_TYPES = (
    "order",
    "support_request",
    "complaint",
    "visit",
    "survey_response",
    "campaign_response",
)
NOISE_KINDS = (
    "clean",
    "lower_case",
    "no_diacritics",
    "abbreviation",
    "apartment_suffix",
    "swedish_name",
    "number_first",
    "extra_punctuation",
    "typo",
    "nonexistent",
)

# Mean interactions per customer per year, by ladder stage (index as in STAGES).
_ORDERS_PER_YEAR = np.array([0.0, 4, 8, 10, 12, 20])
_VISITS_PER_YEAR = np.array([1.0, 1, 2, 3, 3, 6])
_ANNUAL_GROSS_MARGIN = 0.3
_COST_PER_CONTACT = 120.0  # € of service cost per support request or complaint


@dataclass
class DemoReport:
    """What ``generate_demo_data`` produced."""

    dataset: str
    seed: int
    reps: int
    stores: int
    customers: int
    interactions: int
    import_file: Path
    truth_file: Path
    top20_revenue_share: float
    geocoded: int = 0
    not_placed: int = 0
    unchanged: bool = False
    seconds: float = 0.0

    def render(self) -> str:
        if self.unchanged:
            return (
                f"demo CRM for '{self.dataset}' (seed {self.seed}, {self.customers} customers) "
                f"already loaded; --force regenerates. Import file: {self.import_file}"
            )
        return "\n".join(
            [
                f"demo CRM for '{self.dataset}' (seed {self.seed}) in {self.seconds:.1f} s:",
                f"  {self.reps} reps, {self.stores} stores, {self.customers} customers, "
                f"{self.interactions} interactions",
                f"  top 20% of customers bring {self.top20_revenue_share:.0%} of revenue",
                f"  customers imported from the file and geocoded: {self.geocoded} placed, "
                f"{self.not_placed} not placed (addresses that do not exist)",
                f"  import file (addresses as people type them): {self.import_file}",
                f"  truth file (real address and point per row): {self.truth_file}",
            ]
        )


def _settings() -> dict:
    with SETTINGS_FILE.open("rb") as fh:
        return tomllib.load(fh)


# -- address noise: what people type ---------------------------------------------------------
_DIACRITICS = str.maketrans("äöåÄÖÅéü", "aoaAOAeu")
_ABBREVIATIONS = (
    ("katu", "k."),
    ("tie", "t."),
    ("kuja", "kj."),
    ("gatan", "g."),
    ("vägen", "v."),
    ("puistikko", "pst."),
    ("tori", "tr."),
)


def _abbreviate(street: str) -> str:
    for full, short in _ABBREVIATIONS:
        if street.endswith(full):
            return street[: -len(full)] + short
    return street


def _typo(street: str, rng: np.random.Generator) -> str:
    if len(street) < 5:
        return street
    i = int(rng.integers(1, len(street) - 2))
    op = int(rng.integers(3))
    if op == 0:  # swap two neighbours
        return street[:i] + street[i + 1] + street[i] + street[i + 2 :]
    if op == 1:  # drop a letter
        return street[:i] + street[i + 1 :]
    return street[:i] + street[i] + street[i:]  # double a letter


def typed_address(
    street: str,
    street_sv: str | None,
    number: str,
    city: str | None,
    kind: str,
    rng: np.random.Generator,
) -> str:
    """An address as a person would type it, with one kind of noise."""
    city = city or ""
    if kind == "swedish_name" and street_sv:
        sv_city = "Helsingfors" if city == "Helsinki" else city
        return f"{street_sv} {number}, {sv_city}".rstrip(", ")
    if kind == "apartment_suffix":
        suffix = ["A 12", "B 5", "as. 3", "C 21 5. krs", "a 4"][int(rng.integers(5))]
        return f"{street} {number} {suffix}"
    if kind == "number_first":
        return f"{number} {street}"
    if kind == "lower_case":
        return f"{street} {number}, {city}".lower().rstrip(", ")
    if kind == "no_diacritics":
        return f"{street} {number}".translate(_DIACRITICS)
    if kind == "abbreviation":
        return f"{_abbreviate(street)} {number}"
    if kind == "extra_punctuation":
        return f"  {street},  {number} ,{city}. "
    if kind == "typo":
        return f"{_typo(street, rng)} {number}"
    return f"{street} {number}, {city}".rstrip(", ")


# -- the generator -----------------------------------------------------------------------------
def _spread_choice(
    lon: np.ndarray, lat: np.ndarray, k: int, rng: np.random.Generator
) -> np.ndarray:
    """Pick k indices spread over the area (farthest-point sampling from a random start)."""
    x = lon * np.cos(np.radians(lat.mean()))
    chosen = [int(rng.integers(len(lon)))]
    dist = np.hypot(x - x[chosen[0]], lat - lat[chosen[0]])
    for _ in range(1, k):
        nxt = int(np.argmax(dist))
        chosen.append(nxt)
        dist = np.minimum(dist, np.hypot(x - x[nxt], lat - lat[nxt]))
    return np.array(chosen)


def _person_names(rng: np.random.Generator, n: int, names: dict) -> np.ndarray:
    first = np.array(names["first"])[rng.integers(len(names["first"]), size=n)]
    last = np.array(names["last"])[rng.integers(len(names["last"]), size=n)]
    return np.char.add(np.char.add(first.astype(str), " "), last.astype(str))


def _business_names(rng: np.random.Generator, n: int, names: dict) -> np.ndarray:
    last = np.array(names["last"])[rng.integers(len(names["last"]), size=n)]
    word = np.array(names["business_words"])[rng.integers(len(names["business_words"]), size=n)]
    form = np.array(names["business_forms"])[rng.integers(len(names["business_forms"]), size=n)]
    return np.array([f"{w} {ln} {f}" for w, ln, f in zip(word, last, form, strict=True)])


def build_demo_frames(
    pool: pd.DataFrame, n: int, seed: int, region: str, settings: dict | None = None
) -> dict[str, pd.DataFrame]:
    """Generate reps, stores, customers and interactions (pure: no database).

    ``pool`` holds the city's addresses (see ``spatial_sql/queries/demo/address_pool.sql``).
    """
    settings = settings or _settings()
    if pool.empty:
        raise InvalidInput("The city has no street addresses: demo customers need real addresses.")
    rng = np.random.default_rng(seed)
    names = settings["names"]
    as_of = settings["as_of"]
    lon, lat = pool["lon"].to_numpy(), pool["lat"].to_numpy()
    cls = pool["building_class"].to_numpy()
    address_texts = np.array([_address_text(pool, i) for i in range(len(pool))], dtype=object)
    residential = np.flatnonzero(cls == "residential")
    business_sites = np.flatnonzero(np.isin(cls, ["office", "retail", "commercial", "public"]))
    anywhere = np.arange(len(pool))
    residential = residential if residential.size else anywhere
    business_sites = business_sites if business_sites.size else anywhere

    # reps: home bases at residential addresses, spread over the city
    n_reps = int(settings["reps"])
    rep_sites = residential[
        _spread_choice(lon[residential], lat[residential], min(n_reps, residential.size), rng)
    ]
    rep_names = _person_names(rng, len(rep_sites), names)
    reps = pd.DataFrame(
        {
            "external_id": [f"DEMO-REP-{i + 1:02d}" for i in range(len(rep_sites))],
            "name": rep_names,
            "email": [f"{nm.lower().replace(' ', '.')}@geocrm.example" for nm in rep_names],
            "region": region,
            "lon": lon[rep_sites],
            "lat": lat[rep_sites],
            "home_address": address_texts[rep_sites],
        }
    )

    # stores: at shop/commercial addresses, spread out, sizes lognormal
    shop_sites = np.flatnonzero(np.isin(cls, ["retail", "commercial"]))
    shop_sites = shop_sites if shop_sites.size >= settings["stores"] else business_sites
    store_sites = shop_sites[
        _spread_choice(
            lon[shop_sites], lat[shop_sites], min(int(settings["stores"]), shop_sites.size), rng
        )
    ]
    sizes = np.round(rng.lognormal(np.log(800), 0.5, size=len(store_sites)), -1)
    stores = pd.DataFrame(
        {
            "external_id": [f"DEMO-STORE-{i + 1:02d}" for i in range(len(store_sites))],
            "name": [f"GeoCRM Store {pool['street'].iat[i]}" for i in store_sites],
            "region": region,
            "size_m2": sizes,
            "attractiveness": sizes / sizes.mean(),
            "opened_on": [
                as_of - timedelta(days=int(d))
                for d in rng.integers(365, 20 * 365, len(store_sites))
            ],
            "address": address_texts[store_sites],
            "lon": lon[store_sites],
            "lat": lat[store_sites],
        }
    )

    # customers
    is_business = rng.random(n) < float(settings["business_share"])
    site = np.where(
        is_business,
        business_sites[rng.integers(business_sites.size, size=n)],
        residential[rng.integers(residential.size, size=n)],
    )
    kind = np.where(is_business, "business", "person")
    name = np.where(is_business, _business_names(rng, n, names), _person_names(rng, n, names))
    seg_p, seg_b = settings["segments"]["person"], settings["segments"]["business"]
    segment = np.where(
        is_business,
        np.array(seg_b)[rng.integers(len(seg_b), size=n)],
        np.array(seg_p)[rng.integers(len(seg_p), size=n)],
    )
    # Value: lognormal with a heavy tail (top 20% ~ 80% of revenue); businesses spend more.
    potential = rng.lognormal(np.log(900), 1.3, size=n) * np.where(is_business, 6.0, 1.0)
    # Ladder stage rises with value (rank + noise), in the configured proportions.
    shares = np.array([settings["stages"][s] for s in STAGES], dtype=float)
    score = np.argsort(np.argsort(np.log(potential) + rng.normal(0, 1.0, n))) / max(n - 1, 1)
    stage_idx = np.searchsorted(np.cumsum(shares) / shares.sum(), score, side="right")
    stage_idx = np.minimum(stage_idx, len(STAGES) - 1)
    prospect = stage_idx == 0
    annual_revenue = np.where(prospect, 0.0, np.round(potential, 2))
    rel_years = np.where(prospect, 0, rng.gamma(1.0 + stage_idx, 1.2))
    relationship_start = [
        None if p else as_of - timedelta(days=int(y * 365) + 30)
        for p, y in zip(prospect, rel_years, strict=True)
    ]
    dissatisfaction = rng.beta(2, 6, n)  # latent: drives complaints and survey scores

    # reps: the nearest rep's home base owns the account (territories by proximity)
    cos = np.cos(np.radians(lat.mean()))
    d2 = ((lon[site][:, None] - reps["lon"].to_numpy()[None, :]) * cos) ** 2 + (
        lat[site][:, None] - reps["lat"].to_numpy()[None, :]
    ) ** 2
    rep_idx = np.argmin(d2, axis=1)

    # interactions over the 12 months before as_of
    rates = np.stack(
        [
            _ORDERS_PER_YEAR[stage_idx],  # order
            0.6 + 0.8 * is_business,  # support_request
            0.1 + 3.0 * dissatisfaction**2 * (~prospect),  # complaint
            _VISITS_PER_YEAR[stage_idx] * np.where(is_business, 2.0, 0.5),  # visit
            np.full(n, 0.4),  # survey_response
            np.where(stage_idx <= 1, 0.8, 0.3),  # campaign_response
        ],
        axis=1,
    )
    # some customers go quiet: their activity stops months before as_of (drift)
    active_months = np.where(rng.random(n) < 0.15, rng.integers(1, 10, n), 12)
    counts = rng.poisson(rates * (active_months[:, None] / 12.0))
    per_type = counts.sum(axis=0)
    owner = np.concatenate([np.repeat(np.arange(n), counts[:, t]) for t in range(6)])
    itype = np.repeat(np.arange(6), per_type)
    days_back = (12 - active_months[owner]) * 30.4 + rng.random(owner.size) * active_months[
        owner
    ] * 30.4
    start_of_day = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC)
    occurred = start_of_day - pd.to_timedelta(np.round(days_back * 86400), unit="s")
    channel_by_type = np.array(["store", "phone", "email", "field", "web", "mail"])
    channel = channel_by_type[itype]
    web_orders = (itype == 0) & (rng.random(owner.size) < 0.4)
    channel[web_orders] = "web"
    n_orders = np.maximum(counts[:, 0], 1)
    amount = np.where(
        itype == 0,
        np.round(annual_revenue[owner] / n_orders[owner] * rng.uniform(0.6, 1.4, owner.size), 2),
        np.nan,
    )
    survey_score = np.clip(
        np.round(10 * (1 - dissatisfaction[owner]) + rng.normal(0, 1, owner.size), 1), 0, 10
    )
    score_col = np.where(itype == 4, survey_score, np.nan)
    with_rep = np.isin(itype, [3]) | ((itype == 1) & is_business[owner])
    interactions = (
        pd.DataFrame(
            {
                "customer_index": owner,
                "type": np.array(INTERACTION_TYPES)[itype],
                "channel": channel,
                "occurred_at": occurred,
                "amount": amount,
                "rep_index": np.where(with_rep, rep_idx[owner], -1),
                "score": score_col,
            }
        )
        .sort_values(["customer_index", "occurred_at", "type"], kind="stable")
        .reset_index(drop=True)
    )

    # derived signals: satisfaction falls with complaints; churn rises with silence too
    complaints = counts[:, 2]
    satisfaction = np.clip(np.round(10 * (1 - dissatisfaction) - 0.8 * complaints, 1), 0, 10)
    last_seen_days = np.full(n, 365.0)
    if owner.size:
        last = pd.Series(days_back).groupby(owner).min()
        last_seen_days[last.index.to_numpy()] = last.to_numpy()
    logit = (
        -2.2
        + 0.55 * complaints
        + 0.006 * last_seen_days
        - 0.25 * (satisfaction - 7)
        - 0.3 * stage_idx
    )
    churn_risk = np.round(1 / (1 + np.exp(-logit)), 3)
    service_cost = _COST_PER_CONTACT * (counts[:, 1] + counts[:, 2])
    expected_years = np.minimum(1 / np.maximum(churn_risk, 0.05), 15)
    lifetime_value = np.round(
        (_ANNUAL_GROSS_MARGIN * annual_revenue - service_cost) * expected_years, 2
    )
    lifetime_value[prospect] = 0.0  # not a customer yet: no value booked

    noise = rng.choice(
        len(NOISE_KINDS), size=n, p=np.array([30, 8, 10, 10, 10, 8, 4, 6, 10, 4]) / 100
    )
    customers = pd.DataFrame(
        {
            "external_id": [f"DEMO-C{i + 1:07d}" for i in range(n)],
            "name": name,
            "kind": kind,
            "segment": segment,
            "stage": np.array(STAGES)[stage_idx],
            "annual_revenue": annual_revenue,
            "lifetime_value": lifetime_value,
            "satisfaction": satisfaction,
            "churn_risk": churn_risk,
            "rep_index": rep_idx,
            "relationship_start": relationship_start,
            "region": region,
            "site": site,
            "street": pool["street"].to_numpy()[site],
            "street_sv": pool["street_sv"].to_numpy()[site],
            "housenumber": pool["housenumber"].to_numpy()[site],
            "postcode": pool["postcode"].to_numpy()[site],
            "city": pool["city"].to_numpy()[site],
            "lon": lon[site],
            "lat": lat[site],
            "noise": np.array(NOISE_KINDS)[noise],
        }
    )
    customers["address"] = address_texts[site]
    typed = []
    for row in customers.itertuples(index=False):
        if row.noise == "nonexistent":
            typed.append(f"{_nonexistent_street(rng)} {int(rng.integers(1, 60))}")
        else:
            typed.append(
                typed_address(
                    row.street,
                    _str(row.street_sv),
                    row.housenumber,
                    _str(row.city) or "Helsinki",
                    row.noise,
                    rng,
                )
            )
    customers["typed_address"] = typed
    return {"reps": reps, "stores": stores, "customers": customers, "interactions": interactions}


def _str(value) -> str | None:
    return value if isinstance(value, str) and value else None


def _address_text(pool: pd.DataFrame, i: int) -> str:
    city = _str(pool["city"].iat[i])
    base = f"{pool['street'].iat[i]} {pool['housenumber'].iat[i]}"
    postcode = _str(pool["postcode"].iat[i])
    tail = " ".join(p for p in (postcode, city) if p)
    return f"{base}, {tail}" if tail else base


def _nonexistent_street(rng: np.random.Generator) -> str:
    stems = ["Olematon", "Kuvitteellinen", "Tuntematon", "Satumaa", "Haavekuva"]
    return stems[int(rng.integers(len(stems)))] + ["katu", "tie", "kuja"][int(rng.integers(3))]


def top_share(values: np.ndarray, top: float = 0.2) -> float:
    """Share of the total held by the top ``top`` fraction of values (the 80/20 check)."""
    values = np.sort(np.asarray(values, dtype=float))[::-1]
    total = values.sum()
    if total <= 0:
        return 0.0
    k = max(1, round(len(values) * top))
    return float(values[:k].sum() / total)


# -- files and database ------------------------------------------------------------------------
def write_import_files(customers: pd.DataFrame, reps: pd.DataFrame, out: Path) -> Path:
    """Write the user-style import file ``out`` and its truth file beside it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    rep_ext = reps["external_id"].to_numpy()[customers["rep_index"].to_numpy()]
    user_file = pd.DataFrame(
        {
            "external_id": customers["external_id"],
            "name": customers["name"],
            "kind": customers["kind"],
            "address": customers["typed_address"],
            "segment": customers["segment"],
            "stage": customers["stage"],
            "annual_revenue": customers["annual_revenue"].map("{:.2f}".format),
            "lifetime_value": customers["lifetime_value"].map("{:.2f}".format),
            "satisfaction": customers["satisfaction"],
            "churn_risk": customers["churn_risk"],
            "rep": rep_ext,
            "relationship_start": customers["relationship_start"],
        }
    )
    user_file.to_csv(out, index=False, quoting=csv.QUOTE_MINIMAL)
    truth = customers[
        ["external_id", "typed_address", "noise", "address", "street", "housenumber", "lon", "lat"]
    ]
    truth_file = out.with_name(out.stem + "_truth.csv")
    truth.to_csv(truth_file, index=False, float_format="%.7f")
    return truth_file


def _copy_frame(conn: Connection, table: str, frame: pd.DataFrame, chunk: int = 100_000) -> None:
    """COPY a frame into ``table`` as CSV, in chunks (empty fields become NULL)."""
    cols = ", ".join(frame.columns)
    with (
        conn.connection.driver_connection.cursor() as cur,
        cur.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT csv)") as copy,
    ):
        for start in range(0, len(frame), chunk):
            copy.write(frame.iloc[start : start + chunk].to_csv(header=False, index=False))


def _point(lon: pd.Series, lat: pd.Series) -> list[str]:
    return [f"SRID=4326;POINT({x:.7f} {y:.7f})" for x, y in zip(lon, lat, strict=True)]


def generate_demo_data(
    engine: Engine,
    *,
    customers: int = 2000,
    seed: int = 42,
    dataset: str | None = None,
    out: Path | None = None,
    force: bool = False,
    progress: bool = True,
) -> DemoReport:
    """Generate the demo CRM for a loaded city, write its import file and load it.

    Re-running with the same city, seed and size does nothing (unless ``force``); otherwise
    the demo customers (``source = 'demo'``) are replaced and the demo reps and stores
    upserted. The steps (reps and stores, the import, the interactions) each run in a
    transaction of their own, and the run is recorded only at the end: an interrupted run
    leaves a partial demo that the next run replaces. Customers of other sources are never
    touched.
    """
    if customers < 1:
        raise InvalidInput("--customers must be at least 1")
    started = time.monotonic()
    with engine.connect() as conn:
        city = loaded_city(conn, dataset)
        dataset_id, name = city.dataset_id, city.name
        last = conn.execute(query("demo/last_run")).first()
    out = out or GENERATED_DIR / f"{name}_customers_seed{seed}_n{customers}.csv"
    if (
        not force
        and last
        and (last[0], last[1]) == (customers, seed)
        and last[3] == customers
        and Path(last[2]).exists()
    ):
        return DemoReport(
            name,
            seed,
            0,
            0,
            customers,
            0,
            Path(last[2]),
            Path(last[2]).with_name(Path(last[2]).stem + "_truth.csv"),
            0.0,
            unchanged=True,
        )

    bar = tqdm(total=5, desc="demo-data", unit=" step", disable=not progress)
    bar.set_postfix_str("address pool")
    with engine.connect() as conn:
        pool = pd.read_sql(query("demo/address_pool"), conn, params={"dataset_id": dataset_id})
    bar.update(1)
    bar.set_postfix_str("generating")
    frames = build_demo_frames(pool, customers, seed, region=name)
    bar.update(1)
    bar.set_postfix_str("writing files")
    truth_file = write_import_files(frames["customers"], frames["reps"], out)
    bar.update(1)
    bar.set_postfix_str("reps and stores")
    _load_reps_and_stores(engine, frames)
    bar.update(1)
    # customers arrive the way a user's file does: validated, upserted and geocoded
    bar.set_postfix_str("importing customers")
    imported = import_customers(engine, out, source="demo", progress=False, keep_cube_fresh=False)
    interactions = _load_interactions(
        engine, frames["interactions"], frames["customers"], frames["reps"]
    )
    with engine.begin() as conn:
        conn.execute(
            query("demo/record_run"),
            {
                "dataset_id": dataset_id,
                "customers": customers,
                "seed": seed,
                "import_file": str(out),
            },
        )
    # once the interactions are in too: enrich the new customers, refresh the hex cube
    after_customer_change(engine)
    bar.update(1)
    bar.close()
    return DemoReport(
        name,
        seed,
        len(frames["reps"]),
        len(frames["stores"]),
        customers,
        interactions,
        out,
        truth_file,
        top_share(frames["customers"]["annual_revenue"].to_numpy()),
        geocoded=imported.geocoded,
        not_placed=imported.not_geocoded,
        seconds=time.monotonic() - started,
    )


def _load_reps_and_stores(engine: Engine, frames: dict[str, pd.DataFrame]) -> None:
    """Remove the previous demo customers and upsert the demo reps and stores (one
    transaction; reps and stores keep their ids, so nobody else's rep is unassigned)."""
    reps, stores = frames["reps"], frames["stores"]
    rep_columns = ("external_id", "name", "email", "region", "home_address")
    store_columns = (
        "external_id",
        "name",
        "region",
        "size_m2",
        "attractiveness",
        "opened_on",
        "address",
    )
    with bulk_transaction(engine) as conn:
        conn.execute(query("demo/replace_demo_rows"))
        conn.connection.driver_connection.execute(sql_file("queries/demo/stage_reps_stores.sql"))
        _copy_frame(
            conn,
            "stage_reps",
            pd.DataFrame(
                {
                    **{c: reps[c] for c in rep_columns},
                    "home_base": _point(reps["lon"], reps["lat"]),
                    "source": "demo",
                }
            ),
        )
        _copy_frame(
            conn,
            "stage_stores",
            pd.DataFrame(
                {
                    **{c: stores[c] for c in store_columns},
                    "geom": _point(stores["lon"], stores["lat"]),
                    "source": "demo",
                }
            ),
        )
        conn.execute(query("demo/upsert_reps"))
        conn.execute(query("demo/upsert_stores"))


def _load_interactions(
    engine: Engine, interactions: pd.DataFrame, customers: pd.DataFrame, reps: pd.DataFrame
) -> int:
    """Load the contact history, keyed by the customers' and reps' external ids."""
    rep_index = interactions["rep_index"].to_numpy()
    rep_ext = np.where(
        rep_index >= 0, reps["external_id"].to_numpy()[np.maximum(rep_index, 0)], None
    )
    with bulk_transaction(engine) as conn:
        conn.connection.driver_connection.execute(sql_file("queries/demo/stage_interactions.sql"))
        _copy_frame(
            conn,
            "stage_interactions",
            pd.DataFrame(
                {
                    "customer_external_id": customers["external_id"].to_numpy()[
                        interactions["customer_index"].to_numpy()
                    ],
                    "type": interactions["type"],
                    "channel": interactions["channel"],
                    "occurred_at": interactions["occurred_at"],
                    "amount": interactions["amount"],
                    "rep_external_id": rep_ext,
                    "score": interactions["score"],
                }
            ),
        )
        return conn.execute(query("demo/insert_interactions")).rowcount
