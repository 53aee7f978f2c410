"""Values in the form they are compared in: keys, uniqueness and references.

Full-width to half-width (Unicode NFKC), trimmed, lower case; phones as E.164 (ITU-T E.164
through ``phonenumbers``).  ``007`` and ``００７`` are one key; ``7`` is another, refused by
the key checks of :mod:`xl_crm.metrics.keys` when both occur.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from xl_crm.fields.formats import arrow_text, on_non_ascii, phone_numbers
from xl_crm.specs.model import FieldSpec

__all__ = ["comparable", "normalise_text", "per_distinct", "repeated"]


def normalise_text(s: pd.Series) -> pd.Series:
    """Full-width to half-width, trimmed, lower case: the form uniqueness compares.
    (Arrow string kernels throughout, so a million values take well under a second.)"""
    import pyarrow as pa_arrow
    import pyarrow.compute as pc

    if s.dtype != object and pd.api.types.is_string_dtype(s.dtype):  # Arrow already
        arr = arrow_text(s)
    else:
        arr = pa_arrow.array(
            s.astype("str").to_numpy(dtype=object, na_value=None), type=pa_arrow.large_string()
        )
    arr = on_non_ascii(arr, lambda a: pc.utf8_normalize(a, "NFKC"))  # ASCII is NFKC already
    out = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
    result = pd.Series(pd.arrays.ArrowStringArray(pa_arrow.chunked_array([out])), dtype="str")
    result.index = s.index
    return result


def repeated(keys: pd.Series) -> np.ndarray:
    """True where a present value of ``keys`` occurs more than once (missing values never
    do): ``keys.duplicated(keep=False) & keys.notna()``, as a bool array.  Text keys are
    hashed once by Arrow's ``dictionary_encode`` and counted, about twice as fast on a
    million distinct e-mail addresses as pandas' factorize."""
    import pyarrow.compute as pc

    if not (keys.dtype != object and pd.api.types.is_string_dtype(keys.dtype)):
        return (keys.duplicated(keep=False) & keys.notna()).to_numpy(dtype=bool)
    encoded = pc.dictionary_encode(arrow_text(keys))
    codes = pc.fill_null(encoded.indices, -1).to_numpy()
    present = codes >= 0
    counts = np.bincount(codes[present], minlength=len(encoded.dictionary))
    out = np.zeros(len(codes), dtype=bool)
    out[present] = counts[codes[present]] > 1
    return out


def per_distinct(s: pd.Series, fn: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``fn`` evaluated once per distinct value and spread back (choices repeat a lot)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    if len(uniques) * 4 > len(s):
        return fn(s)
    results = np.asarray(fn(pd.Series(uniques)), dtype=bool)
    out = np.ones(len(s), dtype=bool)
    present = codes >= 0
    out[present] = results[codes[present]]
    return pd.Series(out, index=s.index)


def comparable(
    s: pd.Series, f: FieldSpec, region: str, phones: pd.Series | None = None
) -> pd.Series:
    """Values of field ``f`` in the form keys are compared in: numbers and dates as they
    are, text through :func:`normalise_text`, phones as E.164 (``phones``: the column's
    E.164 numbers when the caller has them already, else computed here with
    ``phonenumbers`` for ``region``, an ISO 3166 code such as ``CN``).  Used by uniqueness,
    references and the customer keys of ``compute``; returns a Series on ``s.index``."""
    storage = f.ftype.storage
    if storage in ("integer", "number", "date", "datetime", "boolean"):
        return s
    if f.type == "phone":
        if phones is not None:
            e164 = phones.reindex(s.index)
        else:
            e164, _ = phone_numbers(s, region)
        other = e164.isna().to_numpy() & s.notna().to_numpy()
        if not other.any():  # every present value is a valid number: keys are E.164
            return e164
        e164 = e164.copy()
        e164[other] = normalise_text(s[other]).to_numpy()  # the rest compare as text
        return e164
    text = normalise_text(s).where(s.notna(), None)
    return text
