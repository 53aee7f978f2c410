"""Customer keys compare normalised: every way a user types the same ID is one key."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from xl_crm.metrics.keys import normalised_key, normalised_keys, repeated_keys

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize(
    ("value", "storage", "key"),
    [
        (7, "integer", 7.0),
        ("007", "integer", 7.0),
        ("７", "integer", 7.0),
        ("\u3000８\u3000", "integer", 8.0),
        (" 7 ", "integer", 7.0),
        ("7.00", "integer", 7.0),
        ("1,000", "integer", 1000.0),
        ("7.5", "integer", None),
        (7.5, "integer", None),
        ("abc", "integer", None),
        (True, "integer", None),
        ("inf", "integer", None),
        ("7.5", "number", 7.5),
        ("ｃ００１ ", "text", "c001"),
        ("C\u200b001", "text", "c001"),
        (1001, "text", "1001"),
        ("  ", "text", None),
        (None, "text", None),
    ],
)
def test_one_key(value, storage, key):
    assert normalised_key(value, storage) == key


@given(
    st.integers(0, 10**12),
    st.integers(0, 3),
    st.booleans(),
    st.sampled_from(["", " ", "\u3000", "\u200b"]),
    st.booleans(),
)
def test_every_spelling_of_a_whole_number_is_one_key(n, zeros, full, pad, decimals):
    text = "0" * zeros + str(n) + (".0" if decimals else "")
    if full:
        text = text.translate(FULL_WIDTH)
    keys = normalised_keys(pd.Series([pad + text + pad, float(n)], dtype=object), "integer")
    assert keys.tolist() == [float(n), float(n)]
    assert repeated_keys(keys).tolist() == [True, True]


@given(st.lists(st.text(alphabet="aAbB １2 ", max_size=4), max_size=30))
def test_repeated_matches_pandas_on_the_normalised_text(values):
    keys = normalised_keys(pd.Series(values, dtype=object), "text").dropna()
    plain = pd.Series(keys.astype(object).tolist())
    assert repeated_keys(keys).tolist() == plain.duplicated(keep=False).tolist()
    for v, k in zip(values, normalised_keys(pd.Series(values, dtype=object), "text"), strict=True):
        expected = v.translate(str.maketrans("１", "1")).strip().lower()
        assert (None if pd.isna(k) else k) == (expected or None)


def test_a_million_typed_keys_are_checked_fast():
    import time

    keys = pd.Series(np.arange(1, 1_000_001, dtype=float))
    keys.iloc[999_999] = 17.0
    started = time.perf_counter()
    found = repeated_keys(normalised_keys(keys, "integer"))
    assert np.flatnonzero(found).tolist() == [16, 999_999]
    assert time.perf_counter() - started < 5  # ~0.1 s on one core
