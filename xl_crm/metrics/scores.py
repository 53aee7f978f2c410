"""Customer metrics on DataFrames, whatever the medium: purchase frequency, recency, spend,
RFM scores and segments, and hotel stay metrics.

Definitions (also in ``docs/metrics.md``, zh and en, with a worked example):

- orders on or before the as-of date count; later ones are ignored;
- ``purchase_frequency``: orders in the trailing window (default 365 days) ending at the
  as-of date, both ends included; ``orders``: all orders;
- ``orders_per_month``: orders ÷ max(tenure in days, 30) × 30;
- ``recency_days``: days from the last order to the as-of date; ``tenure_days``: from the
  first order;
- RFM reads three columns the sheet shows: R = ``recency_days``, F = ``purchase_frequency``
  (the same window as the 购买频率 column), M = ``total_spend``;
- R, F, M scores 1–5 by quintile of the *percentile rank* among the customers with orders:
  PR = (customers with a worse value + ½ × customers with the same value) ÷ n (the
  textbook percentile rank, ``scipy.stats.percentileofscore(kind="mean")``), score =
  ⌊5 × PR⌋ + 1; equal values get equal scores, whatever their customer keys;
- Chinese 8-class model: R 高 when recency is below the median recency, M 高 when spend is
  above the median spend (of the customers with orders), F 高 for a repeat customer (two or
  more orders in the window); adding one customer moves a median by one place at most, so
  it relabels at most the customers sharing one value (see ``docs/metrics.md``);
- English 10-segment grid: a partition of the 25 (R, F) pairs (see ``RF_GRID``);
- a customer with no order is labelled 未购买 / "No purchase yet"; their scores are empty.
"""

from __future__ import annotations

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


def _worse_and_equal(values: np.ndarray, higher_is_better: bool) -> tuple[np.ndarray, ...]:
    """For each value (no NaN): how many values are worse, how many equal (itself
    included); one sort of the distinct values, so a million take a fraction of a second."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    below = np.cumsum(counts) - counts  # values smaller than each distinct value
    worse = below if higher_is_better else len(values) - below - counts
    return worse[inverse], counts[inverse]


def percentile_ranks(values: pd.Series, *, higher_is_better: bool = True) -> pd.Series:
    """Each value's percentile rank among the values present, in (0, 1): (values worse +
    ½ × values equal) ÷ n, the textbook definition (mid-rank; also
    ``scipy.stats.percentileofscore(kind="mean")``).  Equal values get equal ranks; NaN
    stays NaN.  ``higher_is_better=False`` ranks small values best (recency in days)."""
    array = values.to_numpy(dtype=float)
    present = ~np.isnan(array)
    out = np.full(len(array), np.nan)
    if present.any():
        worse, equal = _worse_and_equal(array[present], higher_is_better)
        out[present] = (worse + equal / 2) / present.sum()
    return pd.Series(out, index=values.index)


def quintile_scores(values: pd.Series, *, higher_is_better: bool = True) -> pd.Series:
    """Scores 1–5: the quintile of each value's percentile rank PR (see
    :func:`percentile_ranks`), score = ⌊5 × PR⌋ + 1.  Returns floats 1.0–5.0, NaN where the
    value is NaN.

    Equal values always get equal scores (no tie broken by position or key).  With n
    distinct values the bins hold n/5 each (as ``pandas.qcut`` would cut them); a lone value
    scores 3; a group of equal values takes the score of its middle, so one-order customers
    who are half of all customers score 2 (their PR is ¼).  Computed in integers, exactly:
    score = ⌊5 × (2 × worse + equal) ÷ 2n⌋ + 1."""
    array = values.to_numpy(dtype=float)
    present = ~np.isnan(array)
    out = np.full(len(array), np.nan)
    n = int(present.sum())
    if n:
        worse, equal = _worse_and_equal(array[present], higher_is_better)
        out[present] = (5 * (2 * worse + equal)) // (2 * n) + 1
    return pd.Series(out, index=values.index)


#: orders in the window that make F 高 in the 8-class model: a repeat customer
REPEAT_ORDERS = 2
#: the label of a customer with no order (a prospect, not a churned buyer)
NO_PURCHASE = {"zh": "未购买", "en": "No purchase yet"}


def _lookup_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Texts by code: RFM scores 0-999 (1000: none), the 8 classes by 4R + 2F + M (8: no
    purchase), the R-F grid by 5(R - 1) + (F - 1) (25: no purchase)."""
    scores = np.array([str(i) for i in range(1000)] + [None], dtype=object)
    cn = np.empty(9, dtype=object)
    for (a, b, c), label in CN_SEGMENTS.items():
        cn[4 * a + 2 * b + c] = label
    cn[8] = NO_PURCHASE["zh"]
    en = np.empty(26, dtype=object)
    for (a, b), label in RF_GRID.items():
        en[5 * (a - 1) + (b - 1)] = label
    en[25] = NO_PURCHASE["en"]
    return scores, cn, en


_SCORE_TEXTS, _CN_TABLE, _EN_TABLE = _lookup_tables()


def rfm_levels(metrics: pd.DataFrame) -> pd.DataFrame:
    """高/低 (True/False) of R, F and M for each customer with orders, as the Chinese
    8-class model reads them (customers without orders are absent).

    - R 高: ``recency_days`` below the median recency of the customers with orders;
    - F 高: ``purchase_frequency`` at least :data:`REPEAT_ORDERS` (a repeat customer);
    - M 高: ``total_spend`` above the median spend of the customers with orders.

    Why the median: adding one customer moves a median by at most one place among the
    sorted values, so only customers holding exactly one value per measure can change
    side; a mean moves with the size of the new value (one big spender turns many others
    低).  Why a fixed cut for F: order counts are small whole numbers held by large groups
    (half of all customers often have one order), so any cut taken from the data would
    move whole groups at once.  The model itself: 客户价值 RFM 八类 (R, F, M each 高/低)."""
    buying = metrics["orders"].to_numpy() > 0
    r = metrics["recency_days"].to_numpy(dtype=float)[buying]
    f = metrics["purchase_frequency"].to_numpy(dtype=float)[buying]
    m = metrics["total_spend"].to_numpy(dtype=float)[buying]
    if not len(r):
        return pd.DataFrame({c: [] for c in ("r_high", "f_high", "m_high")}, dtype=bool)
    high = {"r_high": r < np.median(r), "f_high": f >= REPEAT_ORDERS, "m_high": m > np.median(m)}
    return pd.DataFrame(high, index=metrics.index[buying])


def rfm(metrics: pd.DataFrame) -> pd.DataFrame:
    """R, F, M scores, the RFM code and both segment labels for each customer.

    ``metrics`` (one row per customer, as :func:`customer_metrics` returns) needs
    ``orders``, ``recency_days``, ``purchase_frequency`` and ``total_spend``.  Returns
    ``r_score``, ``f_score``, ``m_score`` (floats 1–5; NaN for a customer without orders),
    ``rfm_score`` (text such as ``"545"``; None without orders), ``rfm_segment_cn`` (the
    8-class model, :func:`rfm_levels`) and ``rfm_segment_en`` (the R–F grid, ``RF_GRID``);
    a customer without orders is labelled ``NO_PURCHASE`` in both."""
    buying = metrics["orders"].to_numpy() > 0
    scores = {
        name: quintile_scores(metrics[column].where(buying).astype(float), higher_is_better=up)
        for name, column, up in (
            ("r_score", "recency_days", False),
            ("f_score", "purchase_frequency", True),
            ("m_score", "total_spend", True),
        )
    }
    out = pd.DataFrame(scores, index=metrics.index)
    r, f, m = (out[c].to_numpy()[buying].astype(np.int64) for c in scores)
    # every text column looked up from a small table by an integer code (object arrays
    # of a million strings cost more than the scoring itself): None/label last
    code = np.full(len(out), 1000)
    code[buying] = r * 100 + f * 10 + m
    out["rfm_score"] = pd.Series(_SCORE_TEXTS[code], index=out.index, dtype=object)
    cn_code = np.full(len(out), 8)
    cn_code[buying] = rfm_levels(metrics).to_numpy(dtype=np.int64) @ np.array([4, 2, 1])
    cn = _CN_TABLE[cn_code]
    en_code = np.full(len(out), 25)
    en_code[buying] = 5 * (r - 1) + (f - 1)
    en = _EN_TABLE[en_code]
    out["rfm_segment_cn"] = pd.Series(cn, index=out.index, dtype=object)
    out["rfm_segment_en"] = pd.Series(en, index=out.index, dtype=object)
    return out


def exact_duplicates(frame: pd.DataFrame) -> pd.Series:
    """Rows that repeat an earlier row in every column (missing equals missing): the index
    label of each such row -> the label of the first row it copies.  Wholly empty rows are
    not counted.  Vectorised (rows hashed, then compared exactly where hashes meet), so a
    million rows take well under a second."""
    none = pd.Series([], index=frame.index[:0], dtype=frame.index.dtype)
    for column in list(frame.columns)[:2]:  # a filled, all-distinct column (an order ID)
        values = frame[column]  # rules out copies at the cost of hashing one column
        if values.notna().all() and values.is_unique:
            return none
    rows = frame.iloc[frame.notna().any(axis=1).to_numpy()]
    # rows hashed first (one 64-bit number each); only rows sharing a hash are compared
    hashes = pd.Series(pd.util.hash_pandas_object(rows, index=False).to_numpy())
    rows = rows.iloc[hashes.duplicated(keep=False).to_numpy()]
    involved = rows.duplicated(keep=False).to_numpy()
    if not involved.any():
        return none
    part = rows.iloc[involved]
    group = part.groupby(list(part.columns), dropna=False, sort=False).ngroup().to_numpy()
    first_position = pd.Series(np.arange(len(part))).groupby(group).transform("first")
    later = part.duplicated(keep="first").to_numpy()
    labels = part.index.to_numpy()
    return pd.Series(labels[first_position.to_numpy()[later]], index=part.index[later])


def most_frequent(frame: pd.DataFrame, key: str, value: str) -> pd.Series:
    """Each key's most frequent value: ``frame``'s column ``value`` per value of column
    ``key``, as a Series indexed by key (keys with no value left out; ties: the first in
    sort order).  Vectorised: count the (key, value) pairs, order by count down then value
    up, keep each key's first."""
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
        out["preferred_room_type"] = most_frequent(frame, "customer", "room").reindex(out.index)
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
