"""The real classic xlwings machinery (Windows, COM) run on Linux over the worksheet
functions, with pywin32 stand-ins (``pywin32_standin.py``).

Run in a process of its own: ``tests/test_excel_classic.py`` starts
``python -m pytest tests/excel_classic/classic_checks.py``, because the stand-ins stay
in ``sys.modules`` (the name of this file keeps the main test run from collecting it).

What is real here: ``xlwings.udfs`` (``xlfunc``/``xlarg``/``xlret``, the metadata,
``generate_vba_wrapper``, ``import_udfs``, ``call_udf``), ``xlwings.conversion`` and the
Windows engine's cleaning of COM values (``xlwings._xlwindows``).  What is played: the
workbook COM object ``import_udfs`` talks to (it records what it is told) and the values
pywin32 hands over (tuples of tuples, floats, ``TimeType`` dates stamped UTC, error
codes).  Set ``XLCRM_UPDATE_GOLDEN=1`` to rewrite the golden VBA after a deliberate
change (and read the diff).
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import os
from pathlib import Path
from unittest import mock

import pytest

from tests.excel_classic.pywin32_standin import TimeType, install

HERE = Path(__file__).parent
GOLDEN = HERE / "vba_wrappers.golden.bas"
#: the UDF module users name (UDF Modules, the xlwings.conf sheet `xl-crm excel init` adds)
MODULE = "xl_crm.excel.classic"
#: where its worksheet functions come from (classic re-exports them with its macros)
FUNCTIONS = "xl_crm.excel.functions"
MISSING = -2147352572  # what VBA passes for an optional argument left out
NA = -2146826246  # a #N/A cell, as COM passes it
REAL = HERE.parents[1].parent / "shared" / "cases" / "real-inputs"


@pytest.fixture(scope="module")
def classic():
    xw, _, udfs = install()
    # on Linux `from xlwings import func` gave no-ops: bind the Windows decorators, then
    # run functions.py's decorators again with them
    xw.func, xw.arg, xw.ret = udfs.xlfunc, udfs.xlarg, udfs.xlret
    importlib.reload(importlib.import_module(FUNCTIONS))
    module = importlib.reload(importlib.import_module(MODULE))  # the decorated functions
    udfs.get_udf_module(MODULE, None)  # cached: call_udf opens no workbook through COM
    return xw, udfs, module


def call(udfs, name: str, *args):
    """What Excel receives from ``=name(args)``: call_udf as the COM server runs it."""
    return udfs.call_udf(MODULE, name, args)


def test_the_decorators_record_what_excel_registers(classic):
    _, _, module = classic
    for name in module.FUNCTIONS:
        meta = getattr(module, name).__xlfunc__
        assert meta["name"] == name and meta["category"] == "xl-crm"
        assert meta["ret"]["doc"] == getattr(module, name).__doc__
        assert not meta["sub"] and not meta["volatile"] and meta["async_mode"] is None
        for arg in meta["args"]:
            assert not arg["doc"].startswith("Positional argument"), (name, arg["name"])
            assert "convert" not in arg["options"]  # no converter: values.py reads them
    validate = module.crm_validate.__xlfunc__
    assert [a["name"] for a in validate["args"]] == ["table", "template", "language", "first_cell"]
    assert validate["args"][0]["options"] == {"ndim": 2, "err_to_str": True}
    assert [a.get("optional", "-") for a in validate["args"]] == ["-", "-", "zh", "A1"]
    segment = module.crm_segment.__xlfunc__["args"]
    assert [a.get("optional", "-") for a in segment] == ["-", "-", "zh", "", 365, "ecommerce"]
    assert module.crm_last_purchase.__xlfunc__["ret"]["options"] == {
        "date_format": "yyyy-mm-dd hh:mm"
    }


def test_the_vba_wrappers_are_the_golden_ones(classic):
    _, udfs, module = classic
    book = mock.MagicMock(name="Workbook")
    book.Name = "crm.xlsm"
    out = io.StringIO()
    udfs.generate_vba_wrapper(MODULE, module, out, book)
    text = out.getvalue()
    if os.environ.get("XLCRM_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")
    assert text.count("\nFunction crm_") + text.startswith("Function crm_") == len(module.FUNCTIONS)
    assert f'XLPy.CallUDF("{MODULE}", "crm_validate"' in text  # the module users configure
    assert "validate_workbook" not in text  # macros are RunPython lines, not functions
    assert "Function crm_validate(table, template, Optional language, Optional first_cell)" in text


def test_import_functions_registers_descriptions(classic):
    """The ribbon's Import Functions: a VBA module imported, then MacroOptions with the
    docstring as description and the argument descriptions Excel shows."""
    _, udfs, module = classic
    book = mock.MagicMock(name="Workbook")
    book.Name = "crm.xlsm"
    book.Application.Version = "16.0"
    udfs.import_udfs(MODULE, book)
    book.VBProject.VBComponents.Import.assert_called_once()
    options = {c.args[0]: c.kwargs for c in book.Application.MacroOptions.call_args_list}
    assert set(options) == {f"'crm.xlsm'!{n}" for n in module.FUNCTIONS}
    validate = options["'crm.xlsm'!crm_validate"]
    assert validate["Description"] == module.crm_validate.__doc__
    assert validate["Category"] == "xl-crm"
    assert validate["ArgumentDescriptions"][0] == "The table with its header row (数据表，含表头)"
    assert all(len(o["Description"]) <= 255 for o in options.values())


def test_phone_checks_on_com_values(classic):
    _, udfs, _ = classic
    column = (("13812345678",), (13812345678.0,), ("",), (None,), (NA,), ("12345",))
    assert call(udfs, "crm_is_valid_phone", column, MISSING) == [
        [True],
        [True],
        [""],
        [""],
        ["#N/A"],
        [False],
    ]  # fmt: skip  (an error cell gives its error, as the file reader reports it)
    assert call(udfs, "crm_normalize_phone", "138 1234 5678", MISSING) == [["+8613812345678"]]
    assert call(udfs, "crm_mask", 13812345678.0, "phone") == [["138****5678"]]
    assert call(udfs, "crm_dedupe_key", (("007",), (7.0,)), "integer", MISSING) == [[7.0], [7.0]]


def com_cells(rows):
    """A sheet's cells as pywin32 hands them over: floats, None, TimeType dates stamped
    UTC, error codes."""
    codes = {"#N/A": NA, "#VALUE!": -2146826273, "#REF!": -2146826265}

    def one(v):
        if isinstance(v, bool) or v is None:
            return v
        if isinstance(v, int | float):
            return float(v)
        if isinstance(v, dt.datetime):
            return TimeType(*v.timetuple()[:6], tzinfo=dt.UTC)
        return codes.get(v, v)

    return tuple(tuple(one(v) for v in row) for row in rows)


def sheet(name: str, tab: str):
    import openpyxl

    ws = openpyxl.load_workbook(REAL / f"{name}.xlsx", data_only=True)[tab]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_validate_on_com_values_is_the_librarys_report(classic):
    import xl_crm

    _, udfs, module = classic
    for name in ("error_values", "chinese_text_dates", "amounts_as_text"):
        report = xl_crm.validate(REAL / f"{name}.xlsx", template="ecommerce")
        expected = [
            [f.cell, f.header or f.field, f.rule, f.message("en")]
            for f in report.all_findings()
            if f.sheet == "客户"
        ]
        got = call(udfs, "crm_validate", com_cells(sheet(name, "客户")), "ecommerce", "en", MISSING)
        assert got == [["Cell", "Field", "Rule", "Message"], *expected], name
    assert [r[2] for r in got[1:]] == []
    errors = call(udfs, "crm_validate", com_cells(sheet("error_values", "客户")), "ecommerce")
    assert [r[:3] for r in errors[1:]] == [
        ["D2", "手机号码", "formula-error"],
        ["C3", "电子邮件", "formula-error"],
        ["A4", "客户ID", "formula-error"],
    ]
    assert module.crm_validate(sheet("error_values", "客户"), "ecommerce") == errors


def test_metrics_on_com_values(classic):
    _, udfs, _ = classic
    orders = com_cells(sheet("chinese_text_dates", "订单"))
    ids = ((100001.0,), (100002.0,), (100003.0,), (None,))
    june = TimeType(2026, 6, 30, tzinfo=dt.UTC)  # an as-of date cell
    assert call(udfs, "crm_purchase_frequency", ids, orders, june, MISSING, MISSING) == [
        [2], [1], [1], [""],
    ]  # fmt: skip
    assert call(udfs, "crm_total_spend", ids, orders, 46203.0, MISSING) == [
        [288.5], [2999.0], [320.0], [""],
    ]  # fmt: skip
    last = call(udfs, "crm_last_purchase", ids[:1], orders, "2026-06-30", MISSING)
    assert last == [[dt.datetime(2026, 5, 1, tzinfo=dt.UTC)]]  # as pywin32 writes dates
    segments = call(udfs, "crm_segment", ids, orders, "en", june, 365.0, "ecommerce")
    assert [r[0] for r in segments][-1] == "" and all(r[0] for r in segments[:3])


def test_errors_reach_the_cell_as_text(classic):
    _, udfs, _ = classic
    orders = com_cells(sheet("baseline", "订单"))
    assert call(udfs, "crm_validate", (("客户ID",),), "nosuch", "en", MISSING)[0][0].startswith(
        "#VALUE! "
    )
    late = call(udfs, "crm_total_spend", ((100001.0,),), orders, "13/13/2026", MISSING)
    assert late[0][0].startswith("#VALUE! ") and len(late) == 1 and len(late[0]) == 1


@pytest.mark.usefixtures("classic")
def test_why_the_as_of_date_has_no_date_converter():
    """xlwings' ``dt.date`` converter (``@arg("as_of", dt.date)``) reads a date cell and a
    serial, but raises on text and on an empty cell, before the function runs: Excel
    would show xlwings' traceback.  values.as_of_day reads all four."""
    from xlwings import conversion

    options = {"convert": dt.date}
    assert conversion.read(None, 46203.0, options) == dt.date(2026, 6, 30)
    for value in ("2026-06-30", None):
        with pytest.raises(AttributeError):
            conversion.read(None, value, options)


@pytest.mark.usefixtures("classic")
def test_range_options_as_xlwings_applies_them():
    from xlwings import conversion

    options = {"ndim": 2, "err_to_str": True}
    assert conversion.read(None, 5.0, options) == [[5.0]]
    assert conversion.read(None, ((1.0, NA),), options) == [[1.0, "#N/A"]]
    assert conversion.read(None, (("", None),), options) == [[None, None]]
    stamped = conversion.read(None, ((TimeType(2026, 5, 1, tzinfo=dt.UTC),),), options)
    assert stamped == [[dt.datetime(2026, 5, 1)]]  # naive once xlwings has read it
