"""The JSON of many findings of one rule on one column, built by columns in Arrow.

A whole column wrong on a million rows gives a million findings that differ only in their
row, key and value: the cell (``G17``), ``where`` (``客户!G17``) and both messages are the
shared text with the row or the value put in.  Formatting each finding in Python costs
several microseconds; here each line is one element-wise concatenation of Arrow string
columns (``binary_join_element_wise``) with the shared parts escaped once.  JSON string
escaping works character by character, so the escaped value can be spliced into the
escaped message; values that need escaping are escaped by :mod:`json` itself.

The text is the same, byte for byte, as ``json.dumps(finding.to_dict(),
ensure_ascii=False)`` gives for each finding (tests/test_streamed_json.py compares both on
generated values).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import numpy as np

from xl_crm.validation.report import FINDING_FIELDS

__all__ = ["HOLE", "LINE_BREAK", "json_block"]

#: what stands for the value in a message shared by the findings of a batch
HOLE = "\0"
#: between two findings of the JSON report's list
LINE_BREAK = ",\n    "

_STR = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) does to a str
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')
_KEYS = (*FINDING_FIELDS, "where")
_AT = {name: i for i, name in enumerate(_KEYS)}


def _constant(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _escaped(texts: Sequence[str | None]):
    """``texts`` as an Arrow string array, JSON-escaped (without quotes); None stays null."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(texts, type=pa.string())
    if not pc.any(pc.match_substring_regex(arr, _NEEDS_ESCAPE.pattern)).as_py():
        return arr
    return pa.array([None if t is None else _STR(t)[1:-1] for t in texts], type=pa.string())


def json_block(
    first: tuple,
    column: str,
    prefix: str,
    plain: tuple[str, str],
    rows: Sequence[int] | np.ndarray,
    shown: Sequence[str],
    keys: Sequence[str | None],
) -> str:
    """The findings of a batch as JSON objects joined by :data:`LINE_BREAK`.

    ``first``: the first finding's record (:data:`FINDING_FIELDS` then ``where``), whose
    rule, severity, sheet, column, field, header and hints every finding shares;
    ``column``: the cells' column letter; ``prefix``: the sheet as a reference writes it
    (``""``: no ``!`` part); ``plain``: the messages (zh, en) with :data:`HOLE` where the
    value goes; ``rows``: Excel rows; ``shown``: each value as the finding shows it;
    ``keys``: each row's key as shown, or None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    row_text = pc.cast(pa.array(np.asarray(rows, dtype=np.int64)), pa.string())
    value = _escaped(shown)
    key = _escaped(keys)
    key = pc.if_else(pc.is_null(key), "null", pc.binary_join_element_wise('"', key, '"', ""))
    where = f"{prefix}!{column}" if prefix else column
    # each field in order: constant text, or the pieces of a column to splice in
    varying = {
        "cell": [f'"{column}', row_text, '"'],
        "row": [row_text],
        "key": [key],
        "value": ['"', value, '"'],
        "message_zh": _spliced(plain[0], value),
        "message_en": _spliced(plain[1], value),
        "where": [_STR(where)[:-1], row_text, '"'],
    }
    pieces: list = []
    text = "{"
    for n, name in enumerate(_KEYS):
        text += ("" if n == 0 else ", ") + _constant(name) + ": "
        if name not in varying:
            text += _constant(first[_AT[name]])
            continue
        for piece in varying[name]:
            if isinstance(piece, str):
                text += piece
            else:
                pieces += [text, piece] if text else [piece]
                text = ""
    pieces.append(text + "}")
    lines = pc.binary_join_element_wise(*pieces, "")
    offsets = pa.array([0, len(lines)], type=pa.int32())
    return pc.binary_join(pa.ListArray.from_arrays(offsets, lines), LINE_BREAK)[0].as_py()


def _spliced(message: str, value) -> list:
    """The pieces of a message's JSON string with ``value`` (escaped) in each hole."""
    parts = [_STR(p)[1:-1] for p in message.split(HOLE)]
    out: list = ['"' + parts[0]]
    for part in parts[1:]:
        out += [value, part]
    out[-1] += '"'
    return out
