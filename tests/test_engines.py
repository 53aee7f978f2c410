"""The two ways of running a sheet's pandera schema give the same Report: ``fast``
(check by check, failures kept as row masks: xl_crm/validation/runner.py) and
``pandera`` (``DataFrameSchema.validate(lazy=True)`` and its failure cases), on the
built workbooks, the real inputs, wrong cells of every kind and generated columns."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from hypothesis import given, settings
from hypothesis import strategies as st

import xl_crm
from tests.memorybook import MemoryBook
from tests.wrongcells import inject_ecommerce
from xl_crm.specs import load_spec
from xl_crm.validation.check import check
from xl_crm.validation.runner import failures_by_pandera, run_schema

REAL = Path("../shared/cases/real-inputs")


def both(book, template: str, limit: int = 3) -> list:
    """The report of each engine on ``book`` (a path or a Book), as dict and JSON."""
    spec = load_spec(template)
    out = []
    for engine in ("fast", "pandera"):
        tables = xl_crm.open_book(book).read(spec)
        report = check(spec, tables, limit=limit, engine=engine)
        text = io.StringIO()
        report.write_json(text)
        out.append((report.to_dict(), text.getvalue(), report))
    assert out[0][0] == out[1][0]
    assert out[0][1] == out[1][1]
    return out[0][2]


def test_engines_agree_on_the_real_inputs():
    for path in sorted(REAL.glob("*.xlsx")):
        both(path, "ecommerce")


def test_engines_agree_on_the_built_books(built_books):
    for (template, _), path in built_books.items():
        both(path, template)


def test_engines_agree_on_wrong_cells_of_every_kind(tmp_path):
    path = tmp_path / "wrong.xlsx"
    xl_crm.build_workbook("ecommerce", path, sample=40, seed=5)
    expected = inject_ecommerce(path)
    report = both(path, "ecommerce", limit=1)
    assert expected <= {(f.where, f.rule) for f in report.all_findings()}


def test_a_check_pandera_answers_for_is_reported_as_pandera_reports_it():
    frame = pd.DataFrame({"a": [1.0, None, 3.0], "b": ["x", "y", None]}, index=[3, 4, 5])

    def raises(s):
        raise ValueError("boom")

    schema = pa.DataFrameSchema(
        {
            "a": pa.Column(
                nullable=False,
                checks=[
                    pa.Check(raises, name="r1"),
                    pa.Check(lambda s: False, name="scalar"),
                    pa.Check(lambda s: s > 1, name="gt"),
                ],
            ),
            "b": pa.Column(nullable=True, checks=[pa.Check(lambda s: s == "q", name="eq")]),
        },
        checks=[
            pa.Check(lambda d: False, name="row-rule:never"),
            pa.Check(lambda d: pd.Series([True, False, False], index=d.index), name="row-rule:x"),
        ],
        name="sheet",
    )

    def shown(failures) -> list[tuple]:
        return [(f.check, f.column, f.rows if f.rows is None else f.rows.tolist(), f.cause)
                for f in failures]  # fmt: skip

    fast = shown(run_schema(schema, frame))
    assert fast == shown(failures_by_pandera(schema, frame))
    assert ("gt", "a", [3], "") in fast and ("not_nullable", "a", [4], "") in fast
    assert ("row-rule:x", None, [4, 5], "") in fast
    assert {f[0] for f in fast if f[2] is None} == {"r1", "scalar", "row-rule:never"}


_CELL = st.one_of(
    st.none(),
    st.integers(-5, 100010),
    st.floats(-10, 1e6, allow_nan=False),
    st.sampled_from(["", " ", "abc", "100001", "１００００２", "1.5", "#N/A", "2026-05-01",
                     "wang@qq.com", "wang#qq.com", "13912345678", "1.39E+10", "服装、美妆",
                     "服装、玩具", "Beauty", "天猫", "淘宝", "名" * 60, "ORD1", "ord1"]),
)  # fmt: skip
_CUSTOMERS = ["客户ID", "姓名", "电子邮件", "手机号码", "购买频率", "兴趣类别"]
_ORDERS = ["订单编号", "客户ID", "下单时间", "金额", "商品类别", "渠道"]


@settings(max_examples=25, deadline=None)
@given(
    customers=st.lists(st.lists(_CELL, min_size=6, max_size=6), min_size=1, max_size=8),
    orders=st.lists(st.lists(_CELL, min_size=6, max_size=6), min_size=1, max_size=8),
)
def test_engines_agree_on_generated_columns(customers, orders):
    book = MemoryBook(
        {
            "客户": pd.DataFrame(customers, columns=_CUSTOMERS, dtype=object),
            "订单": pd.DataFrame(orders, columns=_ORDERS, dtype=object),
        }
    )
    both(book, "ecommerce", limit=2)
