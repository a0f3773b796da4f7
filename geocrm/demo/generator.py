"""The seeded generation of the demo CRM: reps, stores, customers and interactions.

Pure numpy/pandas: :func:`build_demo_frames` takes the city's address pool and returns data
frames; nothing here touches the database. Reps live at residential addresses spread over
the city, stores at shops, customers at homes (consumers) and offices and shops (business
accounts). Twelve months of interactions are drawn so that the signals correlate the way
they do in real CRMs: revenue follows an 80/20 shape, complaints lower satisfaction,
silence and complaints raise churn risk; a business account's revenue follows its place
(building class, a busy street) in a modest, documented way (settings ``[place_value]``),
so that a lookalike model has an honest signal to find. Everything depends only on the
seed, the customer count and the pool.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, timedelta
from importlib.resources import files
from importlib.resources.abc import Traversable

import numpy as np
import pandas as pd

from geocrm.demo.addresses import NOISE_KINDS, address_texts, typed_addresses
from geocrm.errors import InvalidInput

#: The demo CRM's shape (``data/demo/settings.toml``, package data).
SETTINGS_FILE: Traversable = files("geocrm").joinpath("assets", "demo", "settings.toml")
STAGES = ("prospect", "customer", "client", "supporter", "advocate", "partner")
INTERACTION_TYPES = (
    "order",
    "support_request",
    "complaint",
    "visit",
    "survey_response",
    "campaign_response",
)

# Mean interactions per customer per year, by ladder stage (index as in STAGES).
_ORDERS_PER_YEAR = np.array([0.0, 4, 8, 10, 12, 20])
_VISITS_PER_YEAR = np.array([1.0, 1, 2, 3, 3, 6])
_ANNUAL_GROSS_MARGIN = 0.3
_COST_PER_CONTACT = 120.0  # € of service cost per support request or complaint


def _settings() -> dict:
    with SETTINGS_FILE.open("rb") as fh:
        return tomllib.load(fh)


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


def _reps(
    pool: pd.DataFrame,
    residential: np.ndarray,
    texts: np.ndarray,
    settings: dict,
    region: str,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Reps with home bases at residential addresses, spread over the city."""
    lon, lat = pool["lon"].to_numpy(), pool["lat"].to_numpy()
    n_reps = int(settings["reps"])
    rep_sites = residential[
        _spread_choice(lon[residential], lat[residential], min(n_reps, residential.size), rng)
    ]
    rep_names = _person_names(rng, len(rep_sites), settings["names"])
    return pd.DataFrame(
        {
            "external_id": [f"DEMO-REP-{i + 1:02d}" for i in range(len(rep_sites))],
            "name": rep_names,
            "email": [f"{nm.lower().replace(' ', '.')}@geocrm.example" for nm in rep_names],
            "region": region,
            "lon": lon[rep_sites],
            "lat": lat[rep_sites],
            "home_address": texts[rep_sites],
        }
    )


def _stores(
    pool: pd.DataFrame,
    business_sites: np.ndarray,
    texts: np.ndarray,
    settings: dict,
    region: str,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Stores at shop/commercial addresses, spread out, their sizes lognormal."""
    lon, lat = pool["lon"].to_numpy(), pool["lat"].to_numpy()
    cls = pool["building_class"].to_numpy()
    shop_sites = np.flatnonzero(np.isin(cls, ["retail", "commercial"]))
    shop_sites = shop_sites if shop_sites.size >= settings["stores"] else business_sites
    store_sites = shop_sites[
        _spread_choice(
            lon[shop_sites], lat[shop_sites], min(int(settings["stores"]), shop_sites.size), rng
        )
    ]
    sizes = np.round(rng.lognormal(np.log(800), 0.5, size=len(store_sites)), -1)
    as_of = settings["as_of"]
    return pd.DataFrame(
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
            "address": texts[store_sites],
            "lon": lon[store_sites],
            "lat": lat[store_sites],
        }
    )


def _interactions(
    stage_idx: np.ndarray,
    is_business: np.ndarray,
    dissatisfaction: np.ndarray,
    annual_revenue: np.ndarray,
    rep_idx: np.ndarray,
    as_of: date,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """The contact history of the 12 months before ``as_of``.

    Returns the interactions, the counts per customer and type, and each interaction's
    customer and days before ``as_of``.
    """
    n = len(stage_idx)
    prospect = stage_idx == 0
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
    return interactions, counts, owner, days_back


def _signals(
    n: int,
    counts: np.ndarray,
    owner: np.ndarray,
    days_back: np.ndarray,
    dissatisfaction: np.ndarray,
    stage_idx: np.ndarray,
    annual_revenue: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Satisfaction, churn risk and lifetime value derived from the contact history."""
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
    lifetime_value[stage_idx == 0] = 0.0  # not a customer yet: no value booked
    return satisfaction, churn_risk, lifetime_value


def _place_factor(
    pool: pd.DataFrame, site: np.ndarray, is_business: np.ndarray, settings: dict
) -> np.ndarray:
    """The value multiplier of each customer's place: for business accounts,
    ``exp(class effect + busy x z)``, where z is the standardised log count of points of
    interest within 150 m of the address (``pool.pois_150m``); 1 for consumers, and 1 where
    the settings or the pool say nothing (documented in ``data/demo/settings.toml``)."""
    planted = settings.get("place_value") or {}
    effects = planted.get("building_class") or {}
    cls = pool["building_class"].to_numpy()[site]
    effect = np.array([float(effects.get(c, 0.0)) for c in cls]) if site.size else np.zeros(0)
    busy = float(planted.get("busy", 0.0))
    if busy and "pois_150m" in pool.columns and len(pool) > 1:
        density = np.log1p(pool["pois_150m"].to_numpy(dtype=float))
        spread = density.std()
        if spread > 0:
            effect = effect + busy * (density[site] - density.mean()) / spread
    return np.where(is_business, np.exp(effect), 1.0)


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
    texts = address_texts(pool)
    residential = np.flatnonzero(cls == "residential")
    business_sites = np.flatnonzero(np.isin(cls, ["office", "retail", "commercial", "public"]))
    anywhere = np.arange(len(pool))
    residential = residential if residential.size else anywhere
    business_sites = business_sites if business_sites.size else anywhere
    # the order of the draws is the data: reps, stores, customers, interactions, noise
    reps = _reps(pool, residential, texts, settings, region, rng)
    stores = _stores(pool, business_sites, texts, settings, region, rng)

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
    # The planted relation between place and value (settings [place_value]): deterministic
    # from the site and drawn after the stages, so no random draw moves.
    potential = potential * _place_factor(pool, site, is_business, settings)
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

    interactions, counts, owner, days_back = _interactions(
        stage_idx, is_business, dissatisfaction, annual_revenue, rep_idx, as_of, rng
    )
    satisfaction, churn_risk, lifetime_value = _signals(
        n, counts, owner, days_back, dissatisfaction, stage_idx, annual_revenue
    )

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
    customers["address"] = texts[site]
    customers["typed_address"] = typed_addresses(customers, rng)
    return {"reps": reps, "stores": stores, "customers": customers, "interactions": interactions}


def top_share(values: np.ndarray, top: float = 0.2) -> float:
    """Share of the total held by the top ``top`` fraction of values (the 80/20 check)."""
    values = np.sort(np.asarray(values, dtype=float))[::-1]
    total = values.sum()
    if total <= 0:
        return 0.0
    k = max(1, round(len(values) * top))
    return float(values[:k].sum() / total)
