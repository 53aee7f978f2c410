"""The column-wise fast paths give exactly what the value-by-value code gives.

- the multi-choice check in Arrow (``schema.parts_allowed``) answers as the rule itself,
  value by value (``schema.parts_allowed_each``), on generated texts (hypothesis) and
  through the pandera schema on a sheet;
- the JSON of a batch of findings built by columns (``CellRows.json_text``) is the same
  text, byte for byte, as ``json.dumps(finding.to_dict())`` of each finding, for values
  that need escaping, keys that are missing and sheet names that need quotes.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from xl_crm import validate
from xl_crm.specs import load_spec
from xl_crm.table import Table
from xl_crm.validation.context import SheetContext
from xl_crm.validation.findings import CellRows
from xl_crm.validation.schema import parts_allowed, parts_allowed_each

SPEC = load_spec("ecommerce")
INTERESTS = SPEC.sheet("customers").field("interests")
ALLOWED = {
    t.strip().lower() for c in INTERESTS.choices for t in (c.value, c.zh, c.en)
}  # already NFKC

# separators, choice words, spaces Arrow and Python may trim differently, full-width forms
_PIECES = st.sampled_from(
    ["服装", "美妆", "Beauty", "ＢＥＡＵＴＹ", "mother & baby", "玩具", "x", "、", ",", "，",
     ";", "；", "/", "|", " ", "\t", "\n", "\u3000", "\xa0", "\x1c", "\u2028", "\x85",
     "\u200b", "\u180e", ""]
)  # fmt: skip
_TEXTS = st.lists(_PIECES, max_size=8).map("".join)


@given(st.lists(_TEXTS, min_size=1, max_size=12))
def test_multi_choice_in_arrow_answers_as_the_rule(texts):
    s = pd.Series(texts, index=range(3, 3 + len(texts)), dtype=object)
    fast = parts_allowed(s, ALLOWED)
    assert fast.index.equals(s.index)
    assert fast.tolist() == parts_allowed_each(s, ALLOWED).tolist()


def test_multi_choice_findings_are_those_of_the_rule(tmp_path):
    values = ["服装、美妆", "服装、玩具", " Beauty ;ＨＯＭＥ", "数码\u2028、家居", "家居\x85",
              "图书//食品", "零食", None, "母婴,sports|BOOKS", "运 动"]  # fmt: skip
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["客户ID", "姓名", "手机号码", "兴趣类别"])
    for i, v in enumerate(values):
        ws.append([1000 + i, f"客户{i}", f"139{i:08d}", v])
    path = tmp_path / "choices.xlsx"
    wb.save(path)
    report = validate(path, template="ecommerce")
    got = {f.cell for f in report.findings if f.rule == "choice"}
    s = pd.Series(values, index=range(2, 2 + len(values)), dtype=object)
    present = s.notna()
    rule = parts_allowed_each(s[present], ALLOWED)
    assert got == {f"D{r}" for r in rule.index[~rule.to_numpy()]}
    assert got == {"D3", "D8", "D11"}


def _table(sheet_name: str, header: str) -> tuple[Table, SheetContext]:
    sheet = SPEC.sheet("customers")
    frame = pd.DataFrame({"customer_id": [1.0], "interests": ["x"]}, index=[3])
    table = Table(
        path=Path("book.xlsx"),
        sheet=sheet_name,
        spec=sheet,
        header_row=2,
        frame=frame,
        letters={"customer_id": "A", "interests": "G"},
        headers={"customer_id": "客户ID", "interests": header},
    )
    return table, SheetContext(spec=SPEC, tables={"customers": table})


_VALUE = st.one_of(
    st.text(max_size=12),
    st.sampled_from(['a"b', "c\\d", "tab\there", "\0", "line\nbreak", "😀", "", " "]),
    st.floats(allow_nan=True, allow_infinity=False),
    st.integers(-(10**6), 10**6),
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2090, 1, 1)),
    st.none(),
)
_KEY = st.one_of(st.none(), st.text(max_size=8))


@given(
    rows=st.lists(st.tuples(_VALUE, _KEY), min_size=1, max_size=20),
    sheet_name=st.sampled_from(["客户", "Q1 data", "it's", "a!b"]),
    header=st.sampled_from(["兴趣类别", 'say "hi"', "back\\slash", "tab\t"]),
    mask=st.booleans(),
)
def test_json_by_columns_is_the_json_of_each_finding(rows, sheet_name, header, mask):
    table, ctx = _table(sheet_name, header)
    ctx.mask = mask
    excel_rows = list(range(3, 3 + len(rows)))
    batch = CellRows(
        table,
        ctx,
        "choice",
        INTERESTS,
        excel_rows,
        [v for v, _ in rows],
        [k for _, k in rows],
        None,
        {"choices": ("服装、美妆", "Apparel, Beauty")},
    )
    expected = ",\n    ".join(json.dumps(f.to_dict(), ensure_ascii=False) for f in batch.findings())
    assert batch.json_text(columnar=True) == expected
    assert batch.json_text(columnar=False) == expected
