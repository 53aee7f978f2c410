"""The Arrow fast paths of the field checks give what the plain definitions give.

- ``repeated`` (Arrow's dictionary_encode and a count) equals pandas'
  ``duplicated(keep=False) & notna()`` for text, numbers and chunked columns;
- ``identifier_text`` folding only the non-ASCII values equals folding the whole column;
- ``phone_numbers`` reading usual mainland mobiles directly gives phonenumbers' own
  E.164 form and verdict for every value (phonenumbers is the oracle);
- every check gives the same answer on a column split in Arrow chunks (a pandas column
  built by concatenation) as on one chunk.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_crm.fields import formats as fc
from xl_crm.fields.normalise import normalise_text, repeated

_PIECES = ["a", "B", "7", "Ａ", "７", "＠", " ", "\u3000", "\u200b", "\u00ad", "é", "客", "-", "."]
texts = st.lists(
    st.one_of(st.none(), st.text(alphabet=st.sampled_from(_PIECES), max_size=6)), max_size=40
)


def _chunked(values: list) -> pd.Series:
    """A pandas ``str`` column made of two Arrow chunks (as concatenated sheets give)."""
    half = len(values) // 2
    parts = [pd.Series(values[:half], dtype="str"), pd.Series(values[half:], dtype="str")]
    out = pd.concat(parts, ignore_index=True)
    out.index = out.index + 2  # Excel rows
    return out


@given(texts)
def test_repeated_equals_pandas_duplicated(values):
    for s in (pd.Series(values, dtype="str"), _chunked(values), pd.Series(values, dtype=object)):
        expected = (s.duplicated(keep=False) & s.notna()).to_numpy(dtype=bool)
        assert repeated(s).tolist() == expected.tolist()


@given(st.lists(st.one_of(st.none(), st.integers(0, 5).map(float)), max_size=30))
def test_repeated_equals_pandas_on_numbers(values):
    s = pd.Series(values, dtype="float64")
    assert repeated(s).tolist() == (s.duplicated(keep=False) & s.notna()).tolist()


def _identifier_text_whole_column(s: pd.Series) -> list:
    """The plain definition: NFKC and zero-width removal on every value, then trim."""
    out = []
    for v in s.astype("str").tolist():
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out.append(None)
            continue
        arr = pa.array([unicodedata.normalize("NFKC", v)], type=pa.large_string())
        arr = pc.utf8_trim_whitespace(pc.replace_substring_regex(arr, fc.ZERO_WIDTH, ""))
        text = arr[0].as_py()
        out.append(text or None)
    return out


@given(texts)
def test_identifier_text_folds_like_the_whole_column(values):
    for s in (pd.Series(values, dtype="str"), _chunked(values)):
        got = [None if pd.isna(v) else v for v in fc.identifier_text(s).tolist()]
        assert got == _identifier_text_whole_column(s)
        folded = normalise_text(s)
        assert folded.index.equals(s.index)


_SPELLINGS = ["{}", "+86 {}", "86{}", "{} ", "+86-{}"]


def _mobile(draw_digits: str, spelling: str, wide: bool) -> str:
    text = spelling.format(f"{draw_digits[:3]} {draw_digits[3:7]} {draw_digits[7:]}")
    if wide:
        text = text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    return text


phones = st.lists(
    st.one_of(
        st.none(),
        st.builds(
            _mobile,
            st.from_regex(r"1[0-9]{10}", fullmatch=True),
            st.sampled_from(_SPELLINGS),
            st.booleans(),
        ),
        st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
        st.from_regex(r"0[1-9][0-9]{1,2}-?[0-9]{7,8}", fullmatch=True),
        st.from_regex(r"[0-9 +-]{0,14}", fullmatch=True),
    ),
    max_size=30,
)


def _oracle(value) -> tuple[str | None, bool]:
    text = fc.identifier_text(pd.Series([value], dtype="str")).iloc[0]
    if pd.isna(text):
        return None, False
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None, True
    if not phonenumbers.is_valid_number(number):
        return None, True
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), False


@settings(max_examples=150)
@given(phones)
def test_phone_numbers_agree_with_phonenumbers(values):
    for s in (pd.Series(values, dtype="str"), _chunked(values)):
        e164, invalid = fc.phone_numbers(s, "CN")
        assert e164.index.equals(s.index) and invalid.index.equals(s.index)
        got = [(None if pd.isna(e) else e, bool(bad)) for e, bad in zip(e164, invalid, strict=True)]
        assert got == [_oracle(v) for v in s.tolist()]


@settings(max_examples=60)
@given(phones)
def test_damage_is_the_same_on_chunks(values):
    one = fc.damaged_identifiers(pd.Series(values, dtype="str"), "phone", "CN")
    two = fc.damaged_identifiers(_chunked(values), "phone", "CN")
    assert [None if pd.isna(v) else v for v in one] == [None if pd.isna(v) else v for v in two]


_CELLS = [*_PIECES, "#N/A", "#DIV/0!", "Error(NA)", "\ufeff", "\r\n", "\u00a0"]
cells = st.lists(
    st.one_of(st.none(), st.lists(st.sampled_from(_CELLS), max_size=4).map("".join)),
    max_size=40,
)


@given(cells, st.booleans())
def test_text_coercion_is_the_same_for_an_arrow_column(values, identifier):
    """A calamine or CSV column (pandas ``str``, Arrow, maybe in chunks) reads exactly as
    the same cells handed over as Python objects (the Excel and Sheets media)."""
    from xl_crm.fields.coercion import coerce

    plain = coerce(pd.Series(values, dtype=object), "text", identifier=identifier)
    for s in (pd.Series(values, dtype="str"), _chunked(values)):
        arrow = coerce(s, "text", identifier=identifier)
        assert arrow.values.tolist() == plain.values.tolist()
        assert arrow.failed.tolist() == plain.failed.tolist()
        assert arrow.errors.tolist() == plain.errors.tolist()
        assert arrow.how.tolist() == plain.how.tolist()


@settings(max_examples=80)
@given(phones)
def test_phone_keys_are_e164_else_the_normalised_text(values):
    """Uniqueness and references compare phones as E.164, and what is not a valid number
    as its normalised text (the plain definition, value by value)."""
    from xl_crm import load_spec
    from xl_crm.fields.normalise import comparable

    field = next(f for s in load_spec("ecommerce").sheets for f in s.fields if f.type == "phone")
    s = _chunked(values)
    e164, _ = fc.phone_numbers(s, "CN")
    text = normalise_text(s)
    expected = [
        None if pd.isna(v) else (e if not pd.isna(e) else t)
        for v, e, t in zip(s, e164, text, strict=True)
    ]
    got = comparable(s, field, "CN")
    assert [None if pd.isna(k) else k for k in got] == expected
    assert got.index.equals(s.index)
