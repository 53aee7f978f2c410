"""Cells a reader already typed are read a column at a time (``xl_crm.fields.typedcells``)
exactly as ``coerce`` reads them one by one.

A column with one bool added is a mix the fast path leaves to coerce's value-by-value
loop, so it is the reference for the same values without the bool.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from xl_crm.fields.coercion import coerce, from_serial

#: serials up to 2258 (beyond 2262-04-11 a datetime64[ns] column cannot hold the day)
SERIALS = st.one_of(
    st.integers(min_value=-5, max_value=130_999),
    st.floats(min_value=-5, max_value=130_999, allow_nan=False),
    st.sampled_from([0.5, 59.0, 60.0, 60.5, 61.0, 45658.75, 46203.999994]),
)
TIMES = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 12, 31))


def both_ways(values: list, storage: str):
    fast = coerce(pd.Series(values, dtype=object), storage)
    slow = coerce(pd.Series([*values, True], dtype=object), storage)
    return fast, slow


def same(fast, slow, n: int) -> None:
    assert fast.values.iloc[:n].equals(slow.values.iloc[:n].set_axis(fast.values.index[:n]))
    assert fast.failed.tolist() == slow.failed.tolist()[:n]
    assert fast.how.tolist() == slow.how.tolist()[:n]


@given(st.lists(st.one_of(st.none(), st.integers(-(10**12), 10**12), st.floats(allow_nan=False))))
def test_numbers_read_at_once_are_read_as_one_by_one(values):
    fast, slow = both_ways(values, "number")
    same(fast, slow, len(values))


@given(st.lists(st.one_of(st.none(), SERIALS), min_size=1))
def test_serials_read_at_once_are_read_as_one_by_one(values):
    fast, slow = both_ways(values, "datetime")
    same(fast, slow, len(values))
    for value, got in zip(values, fast.values, strict=True):
        if value is not None:
            expected = from_serial(float(value))
            assert (pd.isna(got) and expected is None) or got == expected


@given(st.lists(st.one_of(st.none(), TIMES, st.dates(min_value=dt.date(1900, 1, 1))), min_size=1))
def test_date_cells_read_at_once_are_read_as_one_by_one(values):
    fast, slow = both_ways(values, "date")
    same(fast, slow, len(values))


def test_aware_and_far_dates_are_left_to_the_loop():
    utc = dt.datetime(2026, 5, 1, 10, tzinfo=dt.UTC)
    result = coerce(pd.Series([utc, dt.datetime(2026, 5, 2)], dtype=object), "datetime")
    assert result.values.tolist() == [pd.Timestamp(2026, 5, 1, 10), pd.Timestamp(2026, 5, 2)]
    later = coerce(pd.Series([131_500.0, 45658.0], dtype=object), "date")  # 2260, 2025
    assert later.values.iloc[1] == pd.Timestamp(2025, 1, 1)
    assert later.how.tolist() == ["Excel serial", "Excel serial"]


def test_text_cells_are_found_whatever_the_column_holds():
    from xl_crm.fields.typedcells import text_cells

    for values, expected in (
        (["a", None, "b"], [True, False, True]),
        ([1.0, None, 2], [False, False, False]),
        ([True, "x", 3], [False, True, False]),
        ([dt.datetime(2026, 1, 1), None], [False, False]),
        ([], []),
    ):
        got = text_cells(np.array(values, dtype=object))
        assert got.tolist() == expected, values
