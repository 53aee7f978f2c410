"""Customer metrics on DataFrames, whatever the medium: purchase frequency, recency, spend,
RFM scores and segments, and hotel stay metrics.

Definitions (also in ``docs/metrics.md``):

- orders on or before the as-of date count; later ones are ignored;
- ``purchase_frequency``: orders in the trailing window (default 365 days) ending at the
  as-of date, both ends included;
- ``orders_per_month``: orders ÷ max(tenure in days, 30) × 30;
- ``recency_days``: days from the last order to the as-of date; ``tenure_days``: from the
  first order;
- RFM scores 1–5 by quintile of rank: customers with orders are ranked by the value
  (recency ascending is best, so R is reversed), ties broken by the customer key order
  (``rank(method="first")`` on values sorted by key), and the ranks cut into five
  equal-frequency bins as ``pd.qcut(ranks, 5)`` does: score = max(1, ⌈(rank − 1) × 5 ÷
  (n − 1)⌉); a single customer with orders scores 3; customers with no order score 1;
- Chinese 8-class model: R, F and M are 高 (high) when the score is above the mean score
  of the customers with orders, else 低;
- English 10-segment grid: a partition of the 25 (R, F) pairs (see ``RF_GRID``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd

from xl_crm.specs.expressions import parse_expression

CN_SEGMENTS = {
    (True, True, True): "重要价值客户",
    (True, False, True): "重要发展客户",
    (False, True, True): "重要保持客户",
    (False, False, True): "重要挽留客户",
    (True, True, False): "一般价值客户",
    (True, False, False): "一般发展客户",
    (False, True, False): "一般保持客户",
    (False, False, False): "一般挽留客户",
}

#: (R score, F score) -> segment: a partition of all 25 pairs
RF_GRID: dict[tuple[int, int], str] = {}
for _r in range(1, 6):
    for _f in range(1, 6):
        if _r <= 2:
            _seg = "Hibernating" if _f <= 2 else ("At Risk" if _f <= 4 else "Can't Lose")
        elif _r == 3:
            _seg = (
                "About to Sleep"
                if _f <= 2
                else ("Need Attention" if _f == 3 else "Loyal Customers")
            )
        elif _r == 4:
            _seg = (
                "Promising" if _f == 1 else "Potential Loyalists" if _f <= 3 else "Loyal Customers"
            )
        else:
            _seg = "New Customers" if _f == 1 else "Potential Loyalists" if _f <= 3 else "Champions"
        RF_GRID[(_r, _f)] = _seg
EN_SEGMENTS = tuple(dict.fromkeys(RF_GRID.values()))


def as_of_date(value: str | dt.date | None) -> pd.Timestamp:
    """The as-of date: given, or today (so results are reproducible when it is given)."""
    if value is None:
        return pd.Timestamp(dt.date.today())
    return pd.Timestamp(value).normalize()


def customer_metrics(
    orders: pd.DataFrame,
    *,
    customer: str,
    date: str,
    amount: str | None,
    as_of: pd.Timestamp,
    customers: pd.Index | None = None,
    window_days: int = 365,
) -> pd.DataFrame:
    """One row per customer (the ``customers`` index, or every customer with an order)."""
    when = pd.to_datetime(orders[date], errors="coerce")
    keep = (
        orders[customer].notna()
        & when.notna()
        & (when <= as_of + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1))
    )
    frame = pd.DataFrame({"customer": orders.loc[keep, customer], "when": when[keep]})
    frame["amount"] = (
        pd.to_numeric(orders.loc[keep, amount], errors="coerce").fillna(0.0) if amount else 0.0
    )
    start = as_of - pd.Timedelta(days=window_days)
    frame["in_window"] = frame["when"] >= start
    grouped = frame.groupby("customer", sort=False)
    out = pd.DataFrame(
        {
            "first_purchase": grouped["when"].min(),
            "last_purchase": grouped["when"].max(),
            "orders": grouped.size(),
            "purchase_frequency": grouped["in_window"].sum(),
            "total_spend": grouped["amount"].sum(),
        }
    )
    if customers is not None:
        out = out.reindex(customers)
        out["orders"] = out["orders"].fillna(0).astype(int)
        out["purchase_frequency"] = out["purchase_frequency"].fillna(0).astype(int)
        out["total_spend"] = out["total_spend"].fillna(0.0)
    out["purchase_frequency"] = out["purchase_frequency"].astype(int)
    out["avg_spend"] = np.where(
        out["orders"] > 0, out["total_spend"] / out["orders"].clip(lower=1), np.nan
    )
    out["recency_days"] = (as_of - out["last_purchase"].dt.normalize()).dt.days
    out["tenure_days"] = (as_of - out["first_purchase"].dt.normalize()).dt.days
    out["orders_per_month"] = out["orders"] / out["tenure_days"].clip(lower=30).fillna(30) * 30
    return out


def quintile_scores(values: pd.Series, *, higher_is_better: bool = True) -> pd.Series:
    """Scores 1-5 by quintile of rank; ties broken by index order; NaN where value is NaN."""
    present = values.dropna()
    scores = pd.Series(np.nan, index=values.index)
    if present.empty:
        return scores
    ordered = present.sort_index(kind="stable")
    ranks = ordered.rank(method="first", ascending=higher_is_better)
    n = len(ranks)
    if n == 1:
        scores.loc[ranks.index] = 3  # nobody to compare with: the middle score
        return scores
    # the bins of pd.qcut(ranks, 5): equal-frequency quintiles of the ranks
    scores.loc[ranks.index] = np.maximum(1, np.ceil((ranks - 1) * 5 / (n - 1)))
    return scores


def rfm(metrics: pd.DataFrame) -> pd.DataFrame:
    """R, F, M scores, the RFM code and both segment labels for each customer."""
    buying = metrics["orders"] > 0
    r = quintile_scores(metrics["recency_days"].where(buying), higher_is_better=False)
    f = quintile_scores(metrics["orders"].where(buying).astype(float))
    m = quintile_scores(metrics["total_spend"].where(buying))
    out = pd.DataFrame({"r_score": r, "f_score": f, "m_score": m}).fillna(1).astype(int)
    means = (
        out[buying].mean()
        if buying.any()
        else pd.Series({"r_score": 3, "f_score": 3, "m_score": 3})
    )
    high = out.gt(means)
    out["rfm_score"] = (out["r_score"] * 100 + out["f_score"] * 10 + out["m_score"]).astype(str)
    # labels looked up column-wise: code (R high, F high, M high) -> 8 labels; (R, F) -> 25
    cn = np.empty(8, dtype=object)
    for (a, b, c), label in CN_SEGMENTS.items():
        cn[4 * a + 2 * b + c] = label
    code = 4 * high["r_score"].to_numpy(int) + 2 * high["f_score"].to_numpy(int)
    out["rfm_segment_cn"] = cn[code + high["m_score"].to_numpy(int)]
    grid = np.empty(25, dtype=object)
    for (a, b), label in RF_GRID.items():
        grid[5 * (a - 1) + (b - 1)] = label
    cell = 5 * (out["r_score"].to_numpy() - 1) + (out["f_score"].to_numpy() - 1)
    out["rfm_segment_en"] = grid[cell]
    return out


def _preferred(frame: pd.DataFrame, key: str, value: str) -> pd.Series:
    """Each key's most frequent value (ties: the first in sort order), vectorised: count the
    (key, value) pairs, order by count down then value up, keep each key's first."""
    pairs = frame[[key, value]].dropna(subset=[value])
    counts = pairs.groupby([key, value], sort=False, observed=True).size().reset_index(name="n")
    counts = counts.sort_values(["n", value], ascending=[False, True], kind="stable")
    return counts.drop_duplicates(key).set_index(key)[value]


def stay_metrics(
    stays: pd.DataFrame,
    *,
    customer: str,
    check_in: str,
    check_out: str,
    booked: str | None,
    room: str | None,
    as_of: pd.Timestamp,
    customers: pd.Index | None = None,
) -> pd.DataFrame:
    """Hotel: stays, nights, last stay, average length of stay, preferred room, lead time."""
    cin = pd.to_datetime(stays[check_in], errors="coerce")
    cout = pd.to_datetime(stays[check_out], errors="coerce")
    keep = stays[customer].notna() & cin.notna() & (cin <= as_of + pd.Timedelta(days=1))
    frame = pd.DataFrame(
        {
            "customer": stays.loc[keep, customer],
            "cin": cin[keep],
            "nights": (
                (cout[keep].dt.normalize() - cin[keep].dt.normalize()).dt.days.clip(lower=0)
            ),
        }
    )
    if booked:
        lead = (
            cin[keep].dt.normalize()
            - pd.to_datetime(stays.loc[keep, booked], errors="coerce").dt.normalize()
        )
        frame["lead"] = lead.dt.days
    if room:
        frame["room"] = stays.loc[keep, room]
    grouped = frame.groupby("customer", sort=False)
    out = pd.DataFrame(
        {
            "stays": grouped.size(),
            "nights": grouped["nights"].sum(),
            "last_stay": grouped["cin"].max(),
            "avg_stay_nights": grouped["nights"].mean(),
        }
    )
    if booked:
        out["avg_lead_time_days"] = grouped["lead"].mean()
    if room:
        out["preferred_room_type"] = _preferred(frame, "customer", "room").reindex(out.index)
    if customers is not None:
        out = out.reindex(customers)
        out["stays"] = out["stays"].fillna(0).astype(int)
        out["nights"] = out["nights"].fillna(0).astype(int)
    return out


def segment_labels(
    env: Mapping[str, pd.Series],
    rules: list[tuple[str, str]],
    otherwise: str | None,
    index: pd.Index,
) -> pd.Series:
    """First matching rule's value per row (rules: (value, expression))."""
    out = pd.Series([otherwise] * len(index), index=index, dtype=object)
    decided = pd.Series(False, index=index)
    for value, source in rules:
        expr = parse_expression(source)
        hit = pd.Series(expr.evaluate(env), index=index).fillna(False).astype(bool)
        take = hit & ~decided
        out[take] = value
        decided |= take
    return out
