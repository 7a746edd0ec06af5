"""Seeded simulator of demo clients with known parameters.

Real public data has no marketing spend, dated NPS responses or engagement events, so
the demo clients that need them are simulated here, from parameters that are kept
with the data (``truth``) so that tests can check the kit recovers them.

Purchases follow the BG/NBD process (Fader, Hardie & Lee 2005): while alive, a
customer buys at a Poisson rate ``lambda ~ Gamma(r, alpha)`` per week and, after each
repeat purchase, drops out with probability ``p ~ Beta(a, b)``. Spend per purchase
follows the Gamma-Gamma model (Fader, Hardie & Lee 2005, "RFM and CLV"):
``z ~ Gamma(p, nu)`` with ``nu ~ Gamma(q, gamma)`` (shape, rate). Subscription clients
renew monthly and cancel with a probability ``theta ~ Beta(alpha, beta)`` per month,
the shifted-beta-geometric model (Fader & Hardie 2007).

References
----------
.. [1] Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). "Counting Your Customers
   the Easy Way: An Alternative to the Pareto/NBD Model". Marketing Science 24(2).
.. [2] Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). "RFM and CLV: Using
   Iso-Value Curves for Customer Base Analysis". Journal of Marketing Research 42(4).
.. [3] Fader, P. S., & Hardie, B. G. S. (2007). "How to Project Customer Retention".
   Journal of Interactive Marketing 21(1).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "ChannelSpec",
    "SimulatedClient",
    "SimulationParams",
    "simulate_bgnbd_transactions",
    "simulate_client",
    "write_client",
]

#: Days per week, for converting the BG/NBD time unit.
DAYS_PER_WEEK = 7.0
#: Days per month, as used everywhere in the kit.
DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class ChannelSpec:
    """An acquisition channel: its share of new customers and its true CAC."""

    name: str
    share: float
    cac: float  # currency units per new customer; 0 for unpaid channels


@dataclass(frozen=True)
class SimulationParams:
    """True parameters of a simulated client (time unit of BG/NBD: weeks)."""

    r: float = 0.25
    alpha: float = 4.0
    a: float = 0.8
    b: float = 2.5
    p: float = 6.0
    q: float = 4.0
    gamma: float = 15.0
    #: Shifted-beta-geometric monthly churn (subscription clients only).
    sbg_alpha: float = 1.2
    sbg_beta: float = 6.0
    monthly_price: float = 19.0
    channels: tuple[ChannelSpec, ...] = (
        ChannelSpec("search", 0.35, 42.0),
        ChannelSpec("social", 0.30, 28.0),
        ChannelSpec("affiliate", 0.15, 35.0),
        ChannelSpec("organic", 0.20, 0.0),
    )
    segments: tuple[str, ...] = ("north", "south", "east", "west")
    #: Promoter / passive / detractor shares of NPS responses.
    nps_shares: tuple[float, float, float] = (0.45, 0.35, 0.20)
    nps_response_rate: float = 0.25
    #: True engagement rate (interactions / reach) per social channel.
    engagement_rates: dict[str, float] = field(
        default_factory=lambda: {"instagram": 0.045, "facebook": 0.02, "email": 0.12}
    )
    #: Daily probability that a customer uses the app (activity events).
    daily_active_probability: float = 0.06
    activity_days: int = 60


@dataclass
class SimulatedClient:
    """The tables of a simulated client and the parameters that generated them."""

    transactions: pd.DataFrame
    customers: pd.DataFrame
    marketing_spend: pd.DataFrame
    nps_responses: pd.DataFrame
    engagement: pd.DataFrame
    activity: pd.DataFrame
    truth: dict[str, Any]


def _bgnbd_purchase_times(
    rng: np.random.Generator,
    n: int,
    horizon_weeks: np.ndarray,
    *,
    r: float,
    alpha: float,
    a: float,
    b: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Repeat-purchase times (weeks after the first purchase) of `n` customers.

    Returns the customer index and the time of every repeat purchase, vectorised
    over customers: each pass draws the next inter-purchase time of every customer
    still alive and inside its window.
    """
    lam = rng.gamma(shape=r, scale=1.0 / alpha, size=n)  # rate per week
    drop = rng.beta(a, b, size=n)
    t = np.zeros(n)
    active = np.arange(n)
    owners, times = [], []
    while active.size:
        t[active] += rng.exponential(1.0 / lam[active])
        inside = t[active] <= horizon_weeks[active]
        active = active[inside]
        owners.append(active)
        times.append(t[active].copy())
        survives = rng.random(active.size) >= drop[active]  # drop-out after a purchase
        active = active[survives]
    return np.concatenate(owners), np.concatenate(times)


def _gamma_gamma_amounts(
    rng: np.random.Generator,
    owners: np.ndarray,
    n: int,
    *,
    p: float,
    q: float,
    gamma: float,
) -> np.ndarray:
    nu = rng.gamma(shape=q, scale=1.0 / gamma, size=n)  # per-customer rate
    return np.round(rng.gamma(shape=p, scale=1.0 / nu[owners]), 2).clip(min=0.01)


def simulate_bgnbd_transactions(
    n_customers: int,
    *,
    r: float,
    alpha: float,
    a: float,
    b: float,
    p: float = 6.0,
    q: float = 4.0,
    gamma: float = 15.0,
    start: str = "2022-01-01",
    end: str = "2023-12-31",
    acquisition_days: int = 84,
    seed: int = 0,
) -> pd.DataFrame:
    """Transactions of customers following BG/NBD purchases and Gamma-Gamma spend.

    Parameters
    ----------
    n_customers : int
        Number of customers.
    r, alpha, a, b : float
        BG/NBD parameters, time unit weeks (``alpha`` in weeks).
    p, q, gamma : float
        Gamma-Gamma spend parameters (currency units).
    start, end : str
        ISO dates: first acquisition day and the last observed day (inclusive).
    acquisition_days : int, default=84
        First purchases are spread uniformly over this many days from `start`.
    seed : int, default=0
        Seed of the random generator; the same seed gives the same table.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id``, ``timestamp`` and ``amount``, one row per purchase,
        sorted by customer and time.
    """
    rng = np.random.default_rng(seed)
    start_ts, end_ts = pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1)
    first = rng.uniform(0, acquisition_days, size=n_customers)  # days after start
    horizon_weeks = ((end_ts - start_ts).days - first) / DAYS_PER_WEEK
    owners, weeks = _bgnbd_purchase_times(
        rng, n_customers, horizon_weeks, r=r, alpha=alpha, a=a, b=b
    )
    all_owners = np.concatenate([np.arange(n_customers), owners])
    offsets = np.concatenate([first, first[owners] + weeks * DAYS_PER_WEEK])
    amounts = _gamma_gamma_amounts(rng, all_owners, n_customers, p=p, q=q, gamma=gamma)
    width = len(str(n_customers))
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:0{width}d}" for i in all_owners],
            "timestamp": start_ts + pd.to_timedelta(offsets, unit="D").round("s"),
            "amount": amounts,
        }
    )
    frame = frame[frame["timestamp"] < end_ts]
    return frame.sort_values(["customer_id", "timestamp"], ignore_index=True)


_COMMENTS = {
    "promoter": ("Great service", "Fast delivery, will buy again", "Love the range"),
    "passive": ("It was fine", "Okay prices", "Delivery could be quicker"),
    "detractor": ("Order arrived late", "Support never answered", "Too expensive"),
}


def _nps_scores(rng: np.random.Generator, n: int, shares: tuple[float, ...]):
    kind = rng.choice(["promoter", "passive", "detractor"], size=n, p=list(shares))
    score = np.where(
        kind == "promoter",
        rng.choice([9, 10], size=n),
        np.where(
            kind == "passive",
            rng.choice([7, 8], size=n),
            rng.choice(
                np.arange(7), size=n, p=[0.04, 0.04, 0.07, 0.1, 0.15, 0.25, 0.35]
            ),
        ),
    )
    return kind, score


def _subscription_transactions(
    rng: np.random.Generator,
    customers: pd.DataFrame,
    params: SimulationParams,
    end: pd.Timestamp,
) -> tuple[pd.DataFrame, pd.Series]:
    """Monthly charges until cancellation (shifted-beta-geometric lifetimes)."""
    n = len(customers)
    theta = rng.beta(params.sbg_alpha, params.sbg_beta, size=n)
    months_paid = rng.geometric(theta)  # 1 = cancels after the first month
    acquired = pd.to_datetime(customers["acquisition_date"])
    rows = []
    for i, (cid, day, paid) in enumerate(
        zip(customers["customer_id"], acquired, months_paid, strict=True)
    ):
        for k in range(int(paid)):
            charge = day + pd.DateOffset(months=k)
            if charge > end:
                break
            rows.append(
                (cid, charge + pd.Timedelta(hours=9 + i % 8), params.monthly_price)
            )
    # Lifetimes beyond the observed span are censored (no cancellation date).
    cancel = [
        day + pd.DateOffset(months=int(paid)) if paid <= 240 else pd.NaT
        for day, paid in zip(acquired, months_paid, strict=True)
    ]
    tx = pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"])
    return tx, pd.Series(cancel, index=customers.index)


def simulate_client(
    *,
    n_customers: int = 3000,
    seed: int = 0,
    start: str = "2022-01-01",
    as_of: str = "2023-12-31",
    params: SimulationParams | None = None,
    contractual: bool = False,
) -> SimulatedClient:
    """Simulate every table of one demo client from known parameters.

    Parameters
    ----------
    n_customers : int, default=3000
        Customers acquired between `start` and `as_of`.
    seed : int, default=0
        Seed; the same seed and arguments give identical tables.
    start, as_of : str
        ISO dates bounding the simulated history (inclusive).
    params : SimulationParams, optional
        True parameters; defaults to ``SimulationParams()``.
    contractual : bool, default=False
        False: purchases follow BG/NBD with Gamma-Gamma spend. True: a subscription
        business with monthly charges and cancellation dates (shifted-beta-geometric).

    Returns
    -------
    SimulatedClient
        The tables in the kit's canonical columns, and ``truth``.
    """
    params = params or SimulationParams()
    # Independent streams: purchases and the other tables must not share draws.
    purchase_seed, table_seed = np.random.SeedSequence(seed).spawn(2)
    rng = np.random.default_rng(table_seed)
    start_ts, end_ts = pd.Timestamp(start), pd.Timestamp(as_of)
    span_days = (end_ts - start_ts).days + 1
    names = [c.name for c in params.channels]
    shares = np.array([c.share for c in params.channels])
    if not np.isclose(shares.sum(), 1.0):
        msg = f"channel shares must sum to 1; found {shares.sum():g}; fix the shares"
        raise ValueError(msg)
    if contractual:
        first = np.sort(rng.uniform(0, span_days, size=n_customers))
        customers = pd.DataFrame(
            {
                "customer_id": [f"S{i:05d}" for i in range(n_customers)],
                "acquisition_date": (start_ts + pd.to_timedelta(first, unit="D")).floor(
                    "D"
                ),
            }
        )
        transactions, cancel = _subscription_transactions(
            rng, customers, params, end_ts
        )
        customers["cancellation_date"] = cancel.where(cancel <= end_ts)
    else:
        transactions = simulate_bgnbd_transactions(
            n_customers,
            r=params.r,
            alpha=params.alpha,
            a=params.a,
            b=params.b,
            p=params.p,
            q=params.q,
            gamma=params.gamma,
            start=start,
            end=as_of,
            acquisition_days=span_days,
            seed=int(purchase_seed.generate_state(1)[0]),
        )
        first_seen = transactions.groupby("customer_id")["timestamp"].min()
        customers = pd.DataFrame(
            {
                "customer_id": first_seen.index.to_numpy(),
                "acquisition_date": first_seen.dt.floor("D").to_numpy(),
            }
        )
    customers["acquisition_channel"] = rng.choice(names, size=len(customers), p=shares)
    customers["segment"] = rng.choice(list(params.segments), size=len(customers))
    channel_of = customers.set_index("customer_id")["acquisition_channel"]
    transactions = transactions.assign(
        order_id=[f"O{i:07d}" for i in range(len(transactions))],
        channel=transactions["customer_id"].map(channel_of).fillna("organic"),
    )
    spend = _marketing_spend(rng, customers, params)
    nps = _nps_responses(rng, customers, params, end_ts)
    engagement = _engagement(rng, params, start_ts, end_ts)
    activity = _activity(rng, customers, params, end_ts)
    truth = {
        "params": {k: v for k, v in asdict(params).items() if k != "channels"},
        "channels": [asdict(c) for c in params.channels],
        "true_nps": 100 * (params.nps_shares[0] - params.nps_shares[2]),
        "seed": seed,
        "n_customers": n_customers,
        "start": start,
        "as_of": as_of,
        "contractual": contractual,
        "time_unit": "week",
    }
    return SimulatedClient(
        transactions, customers, spend, nps, engagement, activity, truth
    )


def _marketing_spend(rng, customers, params) -> pd.DataFrame:
    """Monthly spend per paid channel = new customers x true CAC x noise (mean 1)."""
    month = pd.to_datetime(customers["acquisition_date"]).dt.to_period("M")
    counts = customers.groupby([month, "acquisition_channel"]).size()
    rows = []
    for (period, channel), n_new in counts.items():
        cac = next(c.cac for c in params.channels if c.name == channel)
        if cac <= 0:
            continue
        noise = rng.normal(1.0, 0.05)
        rows.append((period.to_timestamp(), channel, round(n_new * cac * noise, 2)))
    return pd.DataFrame(rows, columns=["date", "channel", "spend"])


def _nps_responses(rng, customers, params, end_ts) -> pd.DataFrame:
    respond = rng.random(len(customers)) < params.nps_response_rate
    who = customers[respond]
    acquired = pd.to_datetime(who["acquisition_date"])
    lag = rng.uniform(7, 60, size=len(who))
    dates = (acquired + pd.to_timedelta(lag, unit="D")).dt.floor("D")
    kind, score = _nps_scores(rng, len(who), params.nps_shares)
    comments = [rng.choice(_COMMENTS[k]) for k in kind]
    frame = pd.DataFrame(
        {
            "date": dates.to_numpy(),
            "score": score,
            "customer_id": who["customer_id"].to_numpy(),
            "segment": who["segment"].to_numpy(),
            "comment": comments,
        }
    )
    return frame[frame["date"] <= end_ts].sort_values("date", ignore_index=True)


def _engagement(rng, params, start_ts, end_ts) -> pd.DataFrame:
    days = pd.date_range(start_ts, end_ts, freq="D")
    rows = []
    for channel, rate in params.engagement_rates.items():
        reach = rng.poisson(2000 if channel != "email" else 800, size=len(days))
        interactions = rng.binomial(reach, rate)
        split = rng.multinomial(1, [0.6, 0.1, 0.1, 0.2], size=(len(days),)).argmax(1)
        parts = np.stack([rng.binomial(interactions, w) for w in (0.6, 0.1, 0.1)], 1)
        parts = np.minimum(parts, interactions[:, None])
        likes = parts[:, 0]
        shares = np.minimum(parts[:, 1], interactions - likes)
        comments = np.minimum(parts[:, 2], interactions - likes - shares)
        clicks = interactions - likes - shares - comments
        del split
        rows.append(
            pd.DataFrame(
                {
                    "date": days,
                    "channel": channel,
                    "reach": reach,
                    "impressions": (reach * rng.uniform(1.2, 1.6, len(days))).round(),
                    "likes": likes,
                    "shares": shares,
                    "comments": comments,
                    "clicks": clicks,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _activity(rng, customers, params, end_ts) -> pd.DataFrame:
    """App sessions of customers over the last `activity_days` days."""
    days = pd.date_range(end=end_ts, periods=params.activity_days, freq="D")
    ids = customers["customer_id"].to_numpy()
    hit = rng.random((len(ids), len(days))) < params.daily_active_probability
    who, when = np.nonzero(hit)
    seconds = rng.integers(8 * 3600, 22 * 3600, size=who.size)
    frame = pd.DataFrame(
        {
            "customer_id": ids[who],
            "timestamp": days[when] + pd.to_timedelta(seconds, unit="s"),
            "event_type": rng.choice(
                ["login", "browse", "purchase"], size=who.size, p=[0.5, 0.4, 0.1]
            ),
        }
    )
    acquired = customers.set_index("customer_id")["acquisition_date"]
    frame = frame[frame["timestamp"] >= frame["customer_id"].map(acquired)]
    return frame.sort_values(["timestamp", "customer_id"], ignore_index=True)


def write_client(
    sim: SimulatedClient,
    folder: str | Path,
    *,
    rename: dict[str, dict[str, str]] | None = None,
    date_format: str | None = None,
    utc_from_timezone: str | None = None,
) -> dict[str, Path]:
    """Write a simulated client's tables as CSV files and its truth as JSON.

    Parameters
    ----------
    sim : SimulatedClient
        The client to write.
    folder : str or pathlib.Path
        Output folder (created when missing).
    rename : dict, optional
        Per table, kit column name -> the client's column name, to write files in the
        client's own vocabulary (the configuration maps them back).
    date_format : str, optional
        strftime format of every date column (default ISO 8601).
    utc_from_timezone : str, optional
        Treat simulated times as local to this timezone and write them in UTC with
        an explicit ``+00:00`` offset (ISO format), as many exports do.

    Returns
    -------
    dict of str to pathlib.Path
        The path of each file written, by table name, plus ``truth``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in (
        "transactions",
        "customers",
        "marketing_spend",
        "nps_responses",
        "engagement",
        "activity",
    ):
        frame = getattr(sim, name).copy()
        for col in frame.columns:
            if not pd.api.types.is_datetime64_any_dtype(frame[col]):
                continue
            values = frame[col]
            if utc_from_timezone is not None:
                values = values.dt.tz_localize(utc_from_timezone).dt.tz_convert("UTC")
                frame[col] = values.dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")
            elif date_format is not None:
                frame[col] = values.dt.strftime(date_format)
        frame = frame.rename(columns=(rename or {}).get(name, {}))
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False, float_format="%.6g")
        paths[name] = path
    truth_path = folder / "truth.json"
    truth_path.write_text(json.dumps(sim.truth, indent=2, default=str) + "\n")
    paths["truth"] = truth_path
    return paths
