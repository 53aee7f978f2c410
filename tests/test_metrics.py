"""Metrics against hand-computed values, and their properties."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from xl_crm.metrics.scores import (
    CN_SEGMENTS,
    EN_SEGMENTS,
    NO_PURCHASE,
    RF_GRID,
    customer_metrics,
    quintile_scores,
    rfm,
    rfm_levels,
    segment_labels,
    stay_metrics,
)

AS_OF = pd.Timestamp("2026-06-30")


def orders(rows):
    return pd.DataFrame(rows, columns=["customer", "when", "amount"]).assign(
        when=lambda d: pd.to_datetime(d["when"])
    )


def test_hand_computed_customer_metrics():
    data = orders(
        [
            ("a", "2026-06-01", 100.0),
            ("a", "2026-01-15", 50.0),
            ("a", "2025-06-29", 10.0),
            ("b", "2024-12-31", 80.0),
            ("c", "2026-07-05", 999.0),  # after the as-of date: ignored
        ]
    )
    m = customer_metrics(
        data,
        customer="customer",
        date="when",
        amount="amount",
        as_of=AS_OF,
        customers=pd.Index(["a", "b", "c"]),
    )
    a, b, c = m.loc["a"], m.loc["b"], m.loc["c"]
    assert a["orders"] == 3 and a["purchase_frequency"] == 2  # 2025-06-29 is 366 days back
    assert a["total_spend"] == 160.0 and a["avg_spend"] == pytest.approx(160 / 3)
    assert a["recency_days"] == 29 and a["tenure_days"] == 366
    assert a["orders_per_month"] == pytest.approx(3 / 366 * 30)
    assert b["orders"] == 1 and b["purchase_frequency"] == 0 and b["recency_days"] == 546
    assert b["orders_per_month"] == pytest.approx(1 / 546 * 30)
    assert c["orders"] == 0 and c["total_spend"] == 0 and np.isnan(c["recency_days"])


def test_window_edge_is_included():
    data = orders([("a", "2025-06-30", 1.0), ("a", "2025-06-29", 1.0)])
    m = customer_metrics(data, customer="customer", date="when", amount="amount", as_of=AS_OF)
    assert m.loc["a", "purchase_frequency"] == 1  # 365 days back counts, 366 does not


def test_quintiles_of_distinct_values_match_pandas_qcut():
    values = pd.Series([3.0, 9, 1, 7, 5, 2, 8, 4, 10, 6], index=list("abcdefghij"))
    expected = pd.qcut(values, 5, labels=False) + 1
    assert quintile_scores(values).astype(int).to_dict() == expected.astype(int).to_dict()
    assert quintile_scores(pd.Series([42.0])).tolist() == [3.0]  # alone: the middle


def test_equal_values_get_equal_scores_whatever_the_key():
    values = pd.Series([1, 1, 1, 2, 5, 5, 9, 9, 9, 9], index=list("jihgfedcba"), dtype=float)
    scores = quintile_scores(values)
    # mid-ranks: the 1s (ranks 1-3) have PR 0.15, the 5s 0.55, the 9s (ranks 7-10) 0.8
    assert scores.to_dict() == {
        "j": 1, "i": 1, "h": 1, "g": 2, "f": 3, "e": 3, "d": 5, "c": 5, "b": 5, "a": 5,
    }  # fmt: skip
    assert quintile_scores(values, higher_is_better=False)[["j", "i", "h"]].tolist() == [5] * 3


def _brute_force_scores(values: list[float], higher_is_better: bool) -> list[int]:
    """The definition, cell by cell with exact fractions: PR = (worse + ½ equal) / n."""
    from fractions import Fraction

    out = []
    for v in values:
        worse = sum(1 for w in values if (w < v if higher_is_better else w > v))
        equal = sum(1 for w in values if w == v)
        pr = (Fraction(worse) + Fraction(equal, 2)) / len(values)
        out.append(int(pr * 5) + 1)
    return out


@given(
    st.lists(st.integers(0, 12), min_size=1, max_size=80),
    st.booleans(),
)
def test_scores_follow_the_percentile_rank_definition(values, higher_is_better):
    series = pd.Series(values, dtype=float)
    got = quintile_scores(series, higher_is_better=higher_is_better).astype(int).tolist()
    assert got == _brute_force_scores(values, higher_is_better)


customer_rows = st.lists(
    st.tuples(
        st.integers(0, 400),  # recency days
        st.integers(0, 6),  # orders in the window
        st.integers(0, 3),  # orders before the window
        st.sampled_from([0.0, 9.9, 50.0, 120.5, 999.0]),  # spend
    ),
    min_size=1,
    max_size=40,
)


def _metrics(rows) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "recency_days": [float(r[0]) for r in rows],
            "purchase_frequency": [r[1] for r in rows],
            "orders": [max(1, r[1] + r[2]) for r in rows],
            "total_spend": [r[3] for r in rows],
        },
        index=[f"C{i:03d}" for i in range(len(rows))],
    )


@given(customer_rows, st.randoms(use_true_random=False))
def test_identical_customers_get_identical_scores_and_labels(rows, rnd):
    # every customer gets a twin with the same figures; keys in a shuffled order
    metrics = _metrics(rows + rows)
    order = list(metrics.index)
    rnd.shuffle(order)
    out = rfm(metrics.loc[order])
    columns = ["r_score", "f_score", "m_score", "rfm_score", "rfm_segment_cn", "rfm_segment_en"]
    n = len(rows)
    for i in range(n):
        a, b = out.loc[f"C{i:03d}", columns], out.loc[f"C{i + n:03d}", columns]
        assert a.tolist() == b.tolist()
    # and the order the customers come in changes nothing
    again = rfm(metrics)
    assert again.loc[out.index, columns].equals(out[columns])


def test_rfm_hand_example():
    m = pd.DataFrame(
        {
            "orders": [5, 1, 3, 0, 1],
            "purchase_frequency": [4, 0, 3, 0, 1],
            "recency_days": [3.0, 400.0, 30.0, np.nan, 200.0],
            "total_spend": [500.0, 10.0, 100.0, 0.0, 60.0],
        },
        index=["w", "x", "y", "z", "v"],
    )
    out = rfm(m)
    # four customers with orders: PR of the k-th best is (k - 0.5) / 4 -> 5, 4, 2, 1
    assert out.loc["w", ["r_score", "f_score", "m_score"]].tolist() == [5, 5, 5]
    assert out.loc["y", ["r_score", "f_score", "m_score"]].tolist() == [4, 4, 4]
    assert out.loc["v", ["r_score", "f_score", "m_score"]].tolist() == [2, 2, 2]
    assert out.loc["x", ["r_score", "f_score", "m_score"]].tolist() == [1, 1, 1]
    assert out.loc["w", "rfm_score"] == "555"
    # medians over the four: recency 115 days, spend 80; F 高 from 2 orders in the window
    assert out.loc["w", "rfm_segment_cn"] == "重要价值客户"
    assert out.loc["y", "rfm_segment_cn"] == "重要价值客户"
    assert out.loc["v", "rfm_segment_cn"] == "一般挽留客户"
    assert out.loc["x", "rfm_segment_cn"] == "一般挽留客户"
    assert out.loc["w", "rfm_segment_en"] == "Champions"
    assert out.loc["x", "rfm_segment_en"] == "Hibernating"
    # no order: a prospect with no scores, not a lookalike of x
    assert out.loc["z", ["r_score", "f_score", "m_score"]].isna().all()
    assert out.loc["z", "rfm_score"] is None
    assert out.loc["z", "rfm_segment_cn"] == "未购买"
    assert out.loc["z", "rfm_segment_en"] == "No purchase yet"


def test_f_uses_the_same_window_as_purchase_frequency():
    data = orders(
        [
            ("old", "2024-01-01", 10.0),
            ("old", "2024-02-01", 10.0),
            ("old", "2024-03-01", 10.0),
            ("new", "2026-06-01", 10.0),
        ]
    )
    m = customer_metrics(data, customer="customer", date="when", amount="amount", as_of=AS_OF)
    out = rfm(m)
    # three orders two years ago count for nothing in the window: F is the 购买频率 column
    assert m.loc["old", "purchase_frequency"] == 0 and m.loc["old", "orders"] == 3
    assert out.loc["old", "f_score"] < out.loc["new", "f_score"]


def _changes(rows, newcomer):
    """Existing customers whose 8-class label, and whose R/F/M 高低, change when one customer
    joins."""
    before, after = _metrics(rows), _metrics([*rows, newcomer])
    old, new = rfm(before), rfm(after).loc[before.index]
    levels = rfm_levels(before), rfm_levels(after).loc[before.index]
    moved = {c: levels[0].index[levels[0][c] != levels[1][c]] for c in levels[0].columns}
    relabelled = before.index[old["rfm_segment_cn"] != new["rfm_segment_cn"]]
    return before, relabelled, moved


@given(customer_rows, customer_rows.map(lambda rows: rows[0]))
def test_one_more_customer_moves_at_most_one_group_of_equal_values(rows, newcomer):
    before, relabelled, moved = _changes(rows, newcomer)
    assert moved["f_high"].empty  # a repeat customer stays one
    # a median moves one place at most: only customers holding one same value change side
    assert before.loc[moved["r_high"], "recency_days"].nunique() <= 1
    assert before.loc[moved["m_high"], "total_spend"].nunique() <= 1
    assert set(relabelled) <= set(moved["r_high"]) | set(moved["m_high"])


@given(
    st.lists(st.integers(0, 2000), min_size=8, max_size=60, unique=True),
    st.lists(st.integers(0, 10**6), min_size=60, max_size=60, unique=True),
    st.integers(0, 2000),
    st.integers(0, 10**10),  # up to a hundred million: a newcomer may dwarf everyone
)
def test_one_more_customer_relabels_at_most_two_when_values_differ(days, cents, r, m):
    rows = [
        (d, 1 + i % 3, 0, c / 100)
        for i, (d, c) in enumerate(zip(days, cents[: len(days)], strict=True))
    ]
    _, relabelled, _ = _changes(rows, (r, 1, 0, m / 100))
    assert len(relabelled) <= 2


def test_a_big_spender_joining_relabels_nobody_else_by_spend():
    # 200 customers spending 1..200; the mean would jump from 100.5 to 600 with one
    # customer spending 100,000 and turn 100 of them 低; the median moves half a place
    rows = [(30 + i % 50, 1, 0, float(i + 1)) for i in range(200)]
    before, relabelled, moved = _changes(rows, (10, 1, 0, 100_000.0))
    spend = before["total_spend"]
    assert ((spend > spend.mean()) & (spend <= (spend.sum() + 100_000) / 201)).sum() == 100
    assert len(moved["m_high"]) <= 1 and len(relabelled) <= 2 + len(moved["r_high"])
    assert before.loc[moved["r_high"], "recency_days"].nunique() <= 1


def test_rf_grid_is_a_partition_with_every_segment_reachable():
    assert set(RF_GRID) == set(itertools.product(range(1, 6), repeat=2))
    assert len(EN_SEGMENTS) == 10 and set(RF_GRID.values()) == set(EN_SEGMENTS)
    assert len(set(CN_SEGMENTS.values())) == 8


def test_hotel_stays():
    stays = pd.DataFrame(
        {
            "guest": [1, 1, 2],
            "booked": pd.to_datetime(["2026-01-01", "2026-03-01", "2026-05-01"]),
            "cin": pd.to_datetime(["2026-01-10 14:00", "2026-03-05 15:00", "2026-05-02 14:00"]),
            "cout": pd.to_datetime(["2026-01-12 11:00", "2026-03-08 12:00", "2026-05-03 12:00"]),
            "room": ["套房", "套房", "行政房"],
        }
    )
    m = stay_metrics(
        stays,
        customer="guest",
        check_in="cin",
        check_out="cout",
        booked="booked",
        room="room",
        as_of=AS_OF,
        customers=pd.Index([1, 2, 3]),
    )
    assert m.loc[1, "stays"] == 2 and m.loc[1, "nights"] == 5
    assert m.loc[1, "avg_stay_nights"] == 2.5 and m.loc[1, "avg_lead_time_days"] == 6.5
    assert m.loc[1, "preferred_room_type"] == "套房"
    assert m.loc[1, "last_stay"] == pd.Timestamp("2026-03-05 15:00")
    assert m.loc[3, "stays"] == 0


def test_segment_rules_first_match_wins():
    env = {
        "total_spend": pd.Series([200_000, 500, 0]),
        "orders": pd.Series([9, 4, 0]),
        "tenure_days": pd.Series([900, 400, 0]),
    }
    out = segment_labels(
        env,
        [
            ("高端客户", "total_spend >= 100000"),
            ("老客户", "orders >= 3 and tenure_days >= 365"),
            ("潜在客户", "orders == 0"),
        ],
        "一般客户",
        pd.RangeIndex(3),
    )
    assert out.tolist() == ["高端客户", "老客户", "潜在客户"]


order_rows = st.lists(
    st.tuples(st.integers(0, 30), st.integers(-800, 10), st.floats(0, 1e5, allow_nan=False)),
    min_size=0,
    max_size=60,
)


@given(order_rows, st.integers(1, 40))
def test_properties(rows, n_customers):
    data = pd.DataFrame(
        {
            "customer": [r[0] % n_customers for r in rows],
            "when": [AS_OF + pd.Timedelta(days=r[1]) for r in rows],
            "amount": [r[2] for r in rows],
        }
    )
    keys = pd.Index(range(n_customers))
    m = customer_metrics(
        data, customer="customer", date="when", amount="amount", as_of=AS_OF, customers=keys
    )
    assert (m["purchase_frequency"] >= 0).all() and (m["orders"] >= m["purchase_frequency"]).all()
    assert (m["orders_per_month"] >= 0).all()
    scores = rfm(m)
    assert len(scores) == n_customers  # every customer gets a segment
    buying = m["orders"] > 0
    for col in ("r_score", "f_score", "m_score"):
        assert scores.loc[buying, col].between(1, 5).all()
        assert scores.loc[~buying, col].isna().all()
    assert scores.loc[buying, "rfm_segment_cn"].isin(CN_SEGMENTS.values()).all()
    assert scores.loc[buying, "rfm_segment_en"].isin(EN_SEGMENTS).all()
    assert (scores.loc[~buying, "rfm_segment_cn"] == NO_PURCHASE["zh"]).all()
    assert (scores.loc[~buying, "rfm_segment_en"] == NO_PURCHASE["en"]).all()


def test_preferred_room_is_the_most_frequent_first_in_sort_order():
    import random

    from xl_crm.metrics.scores import most_frequent

    rng = random.Random(5)
    rooms = ["大床房", "双床房", "套房", "Deluxe", None]
    rows = [(rng.randint(1, 300), rng.choice(rooms)) for _ in range(3000)]
    frame = pd.DataFrame(rows, columns=["customer", "room"])
    got = most_frequent(frame, "customer", "room")
    for customer, group in frame.groupby("customer"):
        counts = group["room"].value_counts()
        if counts.empty:
            assert customer not in got.index
            continue
        best = min(r for r, n in counts.items() if n == counts.max())
        assert got[customer] == best, customer


def _doc_table(text: str, marker: str) -> list[dict[str, str]]:
    """The markdown table right after ``<!-- worked-example: marker -->``."""
    lines = text.split(f"<!-- worked-example: {marker} -->\n", 1)[1].splitlines()
    rows = []
    for line in lines:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    header, body = rows[0], rows[2:]
    return [dict(zip(header, r, strict=True)) for r in body]


def test_the_worked_example_in_the_docs_is_what_the_code_gives():
    from pathlib import Path

    text = (Path(__file__).parent.parent / "docs" / "metrics.md").read_text(encoding="utf-8")
    given_orders = _doc_table(text, "orders")
    expected = _doc_table(text, "result")
    assert len(given_orders) == 10 and len(expected) == 7
    data = orders([(o["customer"], o["date"], float(o["amount"])) for o in given_orders])
    keys = pd.Index([e["customer"] for e in expected])
    m = customer_metrics(
        data, customer="customer", date="when", amount="amount", as_of=AS_OF, customers=keys
    )
    got = m.join(rfm(m))

    def shown(value) -> str:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return ""
        return str(int(value)) if isinstance(value, float | int | np.number) else str(value)

    columns = {
        "orders": "orders",
        "购买频率": "purchase_frequency",
        "累计消费金额": "total_spend",
        "距最近一次购买天数": "recency_days",
        "R": "r_score",
        "F": "f_score",
        "M": "m_score",
        "RFM 评分": "rfm_score",
        "RFM 客户分类": "rfm_segment_cn",
        "RFM Segment": "rfm_segment_en",
    }
    for row in expected:
        for header, metric in columns.items():
            assert shown(got.at[row["customer"], metric]) == row[header], (row["customer"], header)


def test_a_million_customers_are_scored_in_a_few_seconds():
    import time

    rng = np.random.default_rng(3)
    n = 1_000_000
    counts = rng.geometric(0.5, n) * (rng.random(n) > 0.05)
    m = pd.DataFrame(
        {
            "orders": counts,
            "purchase_frequency": np.minimum(counts, rng.integers(0, 5, n)),
            "recency_days": np.where(counts > 0, rng.integers(0, 700, n), np.nan),
            "total_spend": np.where(counts > 0, np.round(rng.lognormal(5, 1, n), 2), 0.0),
        }
    )
    started = time.process_time()
    out = rfm(m)
    assert time.process_time() - started < 5  # ~0.7 s of CPU here
    assert (out["rfm_segment_cn"] == NO_PURCHASE["zh"]).sum() == (counts == 0).sum()


@given(
    st.lists(
        st.tuples(
            st.sampled_from([1, 2, None]),
            st.sampled_from(["天猫", "京东", None]),
            st.sampled_from([9.5, 10.0, None]),
        ),
        max_size=25,
    )
)
def test_exact_duplicates_point_each_copy_at_its_first_row(rows):
    from xl_crm.metrics.scores import exact_duplicates

    frame = pd.DataFrame(rows, columns=["customer", "channel", "amount"], dtype=object)
    frame.index = pd.RangeIndex(2, len(rows) + 2)  # Excel rows
    expected = {}
    for i, row in enumerate(rows):
        if all(v is None for v in row):
            continue  # a wholly blank row is no order
        first = next(j for j in range(i + 1) if rows[j] == row)
        if first < i:
            expected[i + 2] = first + 2
    assert exact_duplicates(frame).to_dict() == expected
