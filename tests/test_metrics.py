"""Metrics against hand-computed values, and their properties."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from xl_crm.metrics import (
    CN_SEGMENTS,
    EN_SEGMENTS,
    RF_GRID,
    customer_metrics,
    quintile_scores,
    rfm,
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


def test_quintiles_match_pandas_qcut_and_break_ties_by_key():
    values = pd.Series([1, 1, 1, 2, 5, 5, 9, 9, 9, 9], index=list("jihgfedcba"), dtype=float)
    expected = pd.qcut(values.sort_index().rank(method="first"), 5, labels=False) + 1
    assert quintile_scores(values).astype(int).to_dict() == expected.astype(int).to_dict()
    # equal values: the earlier key gets the lower rank
    assert quintile_scores(values)["h"] <= quintile_scores(values)["i"]


def test_rfm_hand_example():
    m = pd.DataFrame(
        {
            "orders": [5, 1, 3, 0],
            "recency_days": [3.0, 300.0, 30.0, np.nan],
            "total_spend": [500.0, 10.0, 100.0, 0.0],
        },
        index=["w", "x", "y", "z"],
    )
    out = rfm(m)
    assert out.loc["w", ["r_score", "f_score", "m_score"]].tolist() == [5, 5, 5]
    assert out.loc["x", ["r_score", "f_score", "m_score"]].tolist() == [1, 1, 1]
    assert out.loc["y", ["r_score", "f_score", "m_score"]].tolist() == [3, 3, 3]
    assert out.loc["z", "rfm_score"] == "111"  # no orders: the lowest scores
    assert out.loc["w", "rfm_segment_cn"] == "重要价值客户"
    assert out.loc["x", "rfm_segment_cn"] == "一般挽留客户"
    assert out.loc["w", "rfm_segment_en"] == "Champions"
    assert out.loc["x", "rfm_segment_en"] == "Hibernating"


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
    for col in ("r_score", "f_score", "m_score"):
        assert scores[col].between(1, 5).all()
    assert scores["rfm_segment_cn"].isin(CN_SEGMENTS.values()).all()
    assert scores["rfm_segment_en"].isin(EN_SEGMENTS).all()


def test_preferred_room_is_the_most_frequent_first_in_sort_order():
    import random

    from xl_crm.metrics import _preferred

    rng = random.Random(5)
    rooms = ["大床房", "双床房", "套房", "Deluxe", None]
    rows = [(rng.randint(1, 300), rng.choice(rooms)) for _ in range(3000)]
    frame = pd.DataFrame(rows, columns=["customer", "room"])
    got = _preferred(frame, "customer", "room")
    for customer, group in frame.groupby("customer"):
        counts = group["room"].value_counts()
        if counts.empty:
            assert customer not in got.index
            continue
        best = min(r for r, n in counts.items() if n == counts.max())
        assert got[customer] == best, customer
