"""The worksheet functions of ``xl_crm.excel.functions`` give the library's results.

Every function is fed the cells of a real .xlsx file as each runtime hands them over
(``tests/excelshapes.py``: classic xlwings after its conversion, classic pywin32 raw, and
xlwings Lite), and its result is compared with what the library gives on the same file:
``xl_crm.validate``'s findings, the columns ``xl_crm.compute`` writes, the checks of
``xl_crm.fields.formats`` on the column the .xlsx reader types.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

import xl_crm
from tests.excelshapes import classic, lite, sheet_cells
from tests.wrongcells import inject_ecommerce
from xl_crm.excel.functions import (
    crm_dedupe_key,
    crm_is_valid_email,
    crm_is_valid_id,
    crm_is_valid_phone,
    crm_is_valid_uscc,
    crm_last_purchase,
    crm_mask,
    crm_normalize_phone,
    crm_purchase_frequency,
    crm_rfm,
    crm_segment,
    crm_total_spend,
    crm_validate,
)
from xl_crm.xlsx.builder import build_workbook

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "cases" / "real-inputs"
AS_OF = "2026-06-30"
SHAPES = {
    "classic": classic,
    "classic-raw": lambda rows: classic(rows, raw=True),
    "lite": lite,
}


def library_findings(report, sheet: str, lang: str) -> list[list[str]]:
    """The report's findings on ``sheet`` as CRM_VALIDATE lists them (a single table
    cannot be checked against another, so references are left out)."""
    return [
        [f.cell, f.header or f.field or "", f.rule, f.message(lang)]
        for f in report.all_findings()
        if f.sheet == sheet and f.rule != "reference"
    ]


@pytest.fixture(scope="module")
def wrong_book(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("excel") / "wrong.xlsx"
    build_workbook("ecommerce", path, sample=40)
    inject_ecommerce(path)
    return path


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_validate_gives_the_librarys_findings(wrong_book, shape, lang):
    report = xl_crm.validate(wrong_book, template="ecommerce")
    for sheet in ("客户", "订单"):
        expected = library_findings(report, sheet, lang)
        got = crm_validate(SHAPES[shape](sheet_cells(wrong_book, sheet)), "ecommerce", lang)
        assert got[0] == (
            ["单元格", "字段", "规则", "说明"]
            if lang == "zh"
            else ["Cell", "Field", "Rule", "Message"]
        )
        assert got[1:] == expected, sheet
    assert len(library_findings(report, "客户", lang)) >= 15  # the injected ones


def _orders_book(path: Path, orders: list[list]) -> Path:
    """An ecommerce workbook of three customers and ``orders`` (rows under the header)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["客户ID", "姓名"])
    for key, name in ((1001, "王芳"), (1002, "李雷"), (1003, "韩梅梅")):
        ws.append([key, name])
    ws = wb.create_sheet("订单")
    ws.append(["订单编号", "客户ID", "下单时间", "金额"])
    for row in orders:
        ws.append(row)
    wb.save(path)
    return path


def test_an_order_with_an_empty_amount_gives_what_compute_writes(tmp_path):
    """Lite hands an empty amount cell over as 0: the order counts for nothing in both
    runtimes, as compute counts it on the file (it names the row instead)."""
    path = _orders_book(
        tmp_path / "noamount.xlsx",
        [
            ["A1", 1001, dt.datetime(2026, 5, 1), 89.5],
            ["A2", 1002, dt.datetime(2026, 6, 1), None],  # the amount left empty
            ["A3", 1002, dt.datetime(2026, 1, 15), 300],
            ["A4", 1003, dt.datetime(2026, 6, 20), None],  # the only order, no amount
        ],
    )
    customers, orders = sheet_cells(path, "客户"), sheet_cells(path, "订单")
    result = xl_crm.compute(path, template="ecommerce", as_of=AS_OF, backups=0)
    assert [where for where, _, _ in result.unused] == ["订单!D3", "订单!D5"]
    after = sheet_cells(path, "客户")
    for shape, to in SHAPES.items():
        ids, book = to([[r[0]] for r in customers]), to(orders)
        got = {
            "购买频率": crm_purchase_frequency(ids, book, AS_OF),
            "最近一次购买日期": crm_last_purchase(ids, book, AS_OF),
            "累计消费金额": crm_total_spend(ids, book, AS_OF),
            "RFM 客户分类": crm_segment(ids, book, "zh", AS_OF),
        }
        for header, values in got.items():
            wrote = [v if v is not None else "" for v in column(after, header)]
            assert [r[0] for r in values[1:]] == wrote, (shape, header)
        codes = [c or "" for c in column(after, "RFM 评分")]
        assert [r[3] for r in crm_rfm(ids, book, AS_OF)[1:]] == codes, shape
    assert column(after, "购买频率") == [1, 1, 0]  # 1002's order without amount: not counted


def test_a_zero_amount_counts_for_nothing_in_both_runtimes():
    """The documented limit of that rule: Lite cannot tell a typed 0 from an empty cell,
    so in the metric functions an order of amount 0 counts for nothing in both runtimes
    (compute on the file counts it)."""
    rows = [
        ["订单编号", "客户ID", "下单时间", "金额"],
        ["A1", 1001, dt.datetime(2026, 5, 1), 0],
        ["A2", 1001, dt.datetime(2026, 6, 1), 10],
    ]
    for to in SHAPES.values():
        assert crm_purchase_frequency(to([[1001]]), to(rows), AS_OF) == [[1]]
        assert crm_total_spend(to([[1001]]), to(rows), AS_OF) == [[10.0]]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    "name", ["baseline", "chinese_text_dates", "amounts_as_text", "blank_rows", "error_values"]
)
def test_validate_reads_real_cells_as_a_file_does(name, shape):
    path = REAL / f"{name}.xlsx"
    report = xl_crm.validate(path, template="ecommerce")
    for sheet in ("客户", "订单"):
        got = crm_validate(SHAPES[shape](sheet_cells(path, sheet)), "ecommerce", "en")
        assert got[1:] == library_findings(report, sheet, "en"), (name, sheet)
    errors = [f for f in report.all_findings() if f.rule == "formula-error"]
    assert (len(errors) == 4) == (name == "error_values")


def test_first_cell_names_the_sheets_own_cells(wrong_book, tmp_path):
    """A table at C5 of 客户: the findings name 客户!G21, not E17, as the file's do."""
    cells = sheet_cells(wrong_book, "客户")
    moved = tmp_path / "moved.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    for r, row in enumerate(cells):
        for c, value in enumerate(row):
            ws.cell(5 + r, 3 + c, value)
    wb.save(moved)
    report = xl_crm.validate(moved, template="ecommerce")
    expected = [[f.where, *rest] for f, (_, *rest) in _with(report, "客户")]
    got = crm_validate(classic(cells), "ecommerce", "zh", "[Book1.xlsx]客户!$C$5")
    assert got[1:] == expected
    assert ["客户!G21", "最近一次购买日期", "type"] in [r[:3] for r in got]


def _with(report, sheet):
    return [
        (f, row)
        for f, row in zip(
            [f for f in report.all_findings() if f.sheet == sheet and f.rule != "reference"],
            library_findings(report, sheet, "zh"),
            strict=True,
        )
    ]


def test_lite_zeros_for_empty_cells_are_empty(wrong_book):
    """Lite hands an empty cell over as 0: a range wider and longer than the table (as
    people select it) gives the findings of the table itself."""
    cells = sheet_cells(wrong_book, "订单")
    wide = [[*row, None, None] for row in cells] + [[None] * (len(cells[0]) + 2)] * 50
    assert crm_validate(lite(wide), "ecommerce") == crm_validate(lite(cells), "ecommerce")
    assert len(crm_validate(lite(cells), "ecommerce")) == 5


def test_an_empty_number_cell_in_lite_reads_as_zero():
    """The documented limit: in a number column Lite's 0 is a 0 (an empty amount is not
    reported as missing), where classic's None is an empty cell."""
    header = ["订单编号", "客户ID", "下单时间", "金额"]
    rows = [header, ["A1", 100001, dt.datetime(2026, 5, 1), None]]
    classic_rules = [r[2:] for r in crm_validate(classic(rows), "ecommerce", "en")[1:]]
    lite_rules = [r[2:] for r in crm_validate(lite(rows), "ecommerce", "en")[1:]]
    assert [r[0] for r in classic_rules if r not in lite_rules] == ["required"]
    assert "金额" in classic_rules[-1][1]


# -- the metric functions equal what compute writes -------------------------------------------


def computed(tmp_path_factory, template: str, lang: str, seed: int = 5):
    """(customers cells, orders cells, customers cells after ``xl_crm.compute``)."""
    path = tmp_path_factory.mktemp("compute") / f"{template}_{lang}.xlsx"
    build_workbook(template, path, sample=60, seed=seed, lang=lang)
    names = openpyxl.load_workbook(path, read_only=True).sheetnames[:2]
    before = [sheet_cells(path, n) for n in names]
    assert xl_crm.compute(path, as_of=AS_OF, backups=0).written
    return before[0], before[1], sheet_cells(path, names[0])


@pytest.fixture(scope="module", params=["zh", "en"])
def ecommerce(request, tmp_path_factory):
    return request.param, computed(tmp_path_factory, "ecommerce", request.param)


def column(rows: list[list], header: str) -> list:
    """The values under ``header`` (the header row is the first or, under a band, the
    second row)."""
    h = 0 if header in rows[0] else 1
    at = rows[h].index(header)
    return [r[at] for r in rows[h + 1 :]]


def data(result: list[list]) -> list:
    """A single-column result's values under its header (rows 1-2 are band and header)."""
    return [r[0] if isinstance(r, list) else r for r in result[2:]]


@pytest.mark.parametrize("shape", SHAPES)
def test_metrics_are_what_compute_writes(ecommerce, shape):
    lang, (customers, orders, after) = ecommerce
    to = SHAPES[shape]
    ids, book = to([[r[0]] for r in customers]), to(orders)
    zh = lang == "zh"
    frequency = crm_purchase_frequency(ids, book, AS_OF)
    assert frequency[1] == ["购买频率(近365天)" if zh else "Orders in Last 365 Days"]
    assert data(frequency) == column(after, "购买频率" if zh else "Purchase Frequency")
    last = crm_last_purchase(ids, book, AS_OF)
    wrote = column(after, "最近一次购买日期" if zh else "Last Purchase Date")
    assert data(last) == [v if v is not None else "" for v in wrote]
    spend = crm_total_spend(ids, book, AS_OF)
    assert data(spend) == column(after, "累计消费金额" if zh else "Total Spend")
    rfm = crm_rfm(ids, book, AS_OF)
    codes = column(after, "RFM 评分" if zh else "RFM Score")
    assert [r[3] for r in rfm[2:]] == [c or "" for c in codes]
    assert ["".join(str(int(s)) for s in r[:3]) if r[3] else "" for r in rfm[2:]] == [
        c or "" for c in codes
    ]
    segment = crm_segment(ids, book, lang, AS_OF)
    assert data(segment) == column(after, "RFM 客户分类" if zh else "RFM Segment")
    assert len(set(data(segment))) >= 3


def test_a_hotels_stays_give_what_compute_writes(tmp_path_factory):
    """Stays (check-in, check-out, room) instead of orders; nights stand in for spend."""
    guests, stays, after = computed(tmp_path_factory, "hotel", "zh", seed=3)
    ids = [[r[0]] for r in guests]
    for shape in SHAPES.values():
        rfm = crm_rfm(shape(ids), shape(stays), AS_OF, 365, "hotel")
        assert [r[3] for r in rfm[1:]] == [c or "" for c in column(after, "RFM 评分")]
        segment = crm_segment(shape(ids), shape(stays), "zh", AS_OF, 365, "hotel")
        assert [r[0] for r in segment[1:]] == column(after, "RFM 客户分类")
        last = crm_last_purchase(shape(ids), shape(stays), AS_OF, "hotel")
        assert [r[0] for r in last[1:]] == [v or "" for v in column(after, "最近一次入住")]
    assert len({r[3] for r in rfm[1:]}) > 3


def test_the_ledgers_own_segment_rules_are_what_compute_writes(tmp_path_factory):
    customers, orders, after = computed(tmp_path_factory, "ledger", "zh", seed=2)
    key = customers[1].index("客户编号")
    ids = [[r[key]] for r in customers]
    for shape in SHAPES.values():
        got = crm_segment(shape(ids), shape(orders), "rules", AS_OF, 365, "ledger")
        assert got[1] == ["客户分组"]
        assert data(got) == column(after, "客户分组")
    english = crm_segment(ids, orders, "rules_en", AS_OF, 365, "ledger")
    assert set(data(english)) <= {"High-end", "Loyal", "Prospect", "Regular"}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    "name", ["baseline", "chinese_text_dates", "amounts_as_text", "blank_rows"]
)
def test_real_inputs_give_the_documented_figures(name, shape):
    """../shared/cases/real-inputs/README.md: 2 / 288.5 / 2026-05-01 ... whatever the
    cells hold (text dates, ¥ amounts, IDs typed as text, blank rows)."""
    path = REAL / f"{name}.xlsx"
    to = SHAPES[shape]
    customers, orders = to(sheet_cells(path, "客户")), to(sheet_cells(path, "订单"))
    ids = [[r[0]] for r in customers]
    freq = crm_purchase_frequency(ids, orders, AS_OF)
    spend = crm_total_spend(ids, orders, AS_OF)
    last = crm_last_purchase(ids, orders, AS_OF)
    got = [
        (f[0], s[0], la[0].date() if la[0] else "")
        for f, s, la in zip(freq[1:], spend[1:], last[1:], strict=True)
        if f[0] != ""
    ]
    assert got == [
        (2, 288.5, dt.date(2026, 5, 1)),
        (1, 2999.0, dt.date(2026, 1, 15)),
        (1, 320.0, dt.date(2025, 12, 1)),
    ]


def test_one_customer_a_flat_list_and_a_header_cell():
    orders = sheet_cells(REAL / "baseline.xlsx", "订单")
    assert crm_purchase_frequency(100001, orders, AS_OF) == 2
    assert crm_total_spend([100002.0, 100003], orders, AS_OF) == [2999.0, 320.0]
    assert crm_total_spend(["客户ID", 100002], orders, AS_OF) == ["累计消费金额", 2999.0]
    assert crm_total_spend([["Customer ID"], [100002]], orders, AS_OF) == [
        ["Total Spend"],
        [2999.0],
    ]
    assert crm_purchase_frequency(100001, orders, "2026-06-30", 30) == 0
    assert crm_purchase_frequency(100001, orders, 46203.0, 365.0) == 2  # classic's serial, floats
    assert crm_purchase_frequency(100001, orders, dt.datetime(2026, 6, 30)) == 2


def test_metric_refusals_come_back_as_excel_errors():
    orders = sheet_cells(REAL / "baseline.xlsx", "订单")
    twice = crm_total_spend([[100001], [100001.0]], orders, AS_OF)
    assert twice.startswith("#VALUE! ") and "100001" in twice
    assert crm_total_spend([[100001]], orders, "06/07/2026").startswith("#VALUE! ")
    window = crm_purchase_frequency([[100001]], orders, AS_OF, 0)
    assert window.startswith("#VALUE! ") and "window" in window
    customers = sheet_cells(REAL / "baseline.xlsx", "客户")
    swapped = crm_total_spend([[100001]], customers, AS_OF)
    assert swapped.startswith("#VALUE! ") and "orders" in swapped
    assert crm_segment([[100001]], orders, "rules").startswith("#VALUE! ")
    assert crm_segment([[100001]], orders, "abc").startswith("#VALUE! ")
    for text in (twice, window, swapped):
        assert "Traceback" not in text and "\n" not in text


# -- one result per cell: the library's checks on the column the file reader types -------------


@pytest.fixture(scope="module")
def messy(tmp_path_factory) -> Path:
    """A customers sheet of identifiers as people leave them, saved as .xlsx."""
    from tests.messy_books import resident_id

    path = tmp_path_factory.mktemp("messy") / "ids.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["客户ID", "姓名", "电子邮件", "手机号码", "身份证号", "统一社会信用代码"])
    phones = ["13812345678", 13912340001, "+86 139-1234-0002", "１３８１２３４５６７８", "12345"]
    phones += ["021-6666 5555", None, "13812345678.0", " 186 1234 0003 "]
    emails = ["a@b.com", "wang.fang#qq.com", "ＷＡＮＧ@Example.com", None, "x@y", "zoë@ex.cn"]
    ids = [resident_id(1), resident_id(2)[:-1] + "0", "11010519491231002x", "123", None]
    usccs = ["91350100M000100Y43", "91350100M000100Y44", "9135010OM000100Y43", None]
    for i in range(9):
        ws.append(
            [
                100001 + i,
                ["王小明", "Li Na", None][i % 3],
                emails[i % len(emails)],
                phones[i],
                ids[i % len(ids)],
                usccs[i % len(usccs)],
            ]
        )
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def typed(messy):
    """The customers columns as the .xlsx reader types them (fastexcel + coerce)."""
    from xl_crm.specs import load_spec
    from xl_crm.xlsx.book import XlsxBook

    spec = load_spec("ecommerce")
    frame = XlsxBook(messy).read(spec)["customers"].frame
    return frame


def cells_of(path: Path, letter: str, shape) -> list:
    column = "ABCDEF".index(letter)
    return shape([[r[column]] for r in sheet_cells(path, "客户")[1:]])


@pytest.mark.parametrize("shape", SHAPES)
def test_phone_functions_give_the_librarys_answers(messy, typed, shape):
    from xl_crm.fields.formats import phone_numbers

    e164, invalid = phone_numbers(typed["mobile"], "CN")
    cells = cells_of(messy, "D", SHAPES[shape])
    present = typed["mobile"].notna()
    expected = [[not bad] if here else [""] for here, bad in zip(present, invalid, strict=True)]
    assert crm_is_valid_phone(cells) == expected
    assert crm_normalize_phone(cells) == [[v if isinstance(v, str) else ""] for v in e164]
    assert [r[0] for r in expected].count(True) >= 5 and [r[0] for r in expected].count(False) >= 2


@pytest.mark.parametrize("shape", SHAPES)
def test_identifier_checks_give_the_librarys_answers(messy, shape):
    import pandas as pd

    from xl_crm.fields.coercion import coerce
    from xl_crm.fields.formats import email_problems, resident_id_problems, uscc_problems

    raw = sheet_cells(messy, "客户")[1:]
    for letter, function, check, ident in (
        ("C", crm_is_valid_email, email_problems, False),
        ("E", crm_is_valid_id, resident_id_problems, True),
        ("F", crm_is_valid_uscc, uscc_problems, True),
    ):
        column = pd.Series([r["ABCDEF".index(letter)] for r in raw], dtype=object)
        values = coerce(column, "text", identifier=ident).values
        problems = check(values)
        expected = [
            [""] if pd.isna(v) else [pd.isna(p)] for v, p in zip(values, problems, strict=True)
        ]
        assert function(cells_of(messy, letter, SHAPES[shape])) == expected, letter
        assert {r[0] for r in expected} == {True, False, ""}, letter


def test_dedupe_keys_are_the_uniqueness_keys(messy, typed):
    from xl_crm.fields.normalise import comparable
    from xl_crm.specs import load_spec

    sheet = load_spec("ecommerce").sheet("customers")
    for fid, letter, kind in (("email", "C", "email"), ("mobile", "D", "phone")):
        expected = comparable(typed[fid], sheet.field(fid), "CN")
        got = crm_dedupe_key(cells_of(messy, letter, lite), kind)
        assert [r[0] for r in got] == [v if isinstance(v, str) else "" for v in expected]
    assert crm_dedupe_key([" ＡＢＣ ", "abc", "Abc\u200b"]) == ["abc", "abc", "abc"]
    assert crm_dedupe_key([["007"], [7.0], ["７"]], "integer") == [[7.0], [7.0], [7.0]]


@pytest.mark.parametrize("shape", SHAPES)
def test_a_whole_number_key_is_an_integer_and_lites_zero_is_empty(shape):
    """Keys are of unique fields: a 0 is Lite's empty cell, in both runtimes; a whole
    number comes back as one (123), never as 123.0 (nor as the text "123.0")."""
    cells = SHAPES[shape]([[None], [123], ["00123"], [5.5]])
    got = crm_dedupe_key(cells, "integer")
    assert got[:3] == [[""], [123], [123]] and all(type(r[0]) is not float for r in got[:3])
    assert crm_dedupe_key(SHAPES[shape]([[None], [89.5]]), "money") == [[""], [89.5]]
    assert crm_dedupe_key(SHAPES[shape]([[None], [123]]), "text") == [[""], ["123"]]


def test_mask_is_the_reports_masking():
    from xl_crm.privacy import mask

    assert crm_mask([["13812345678"], [13812345678.0], [None]], "phone") == [
        [mask("13812345678", "phone")],
        ["138****5678"],
        [""],
    ]
    assert crm_mask("wang.fang@qq.com", "email") == "w***@qq.com"
    assert crm_mask("11010519491231002X", "cn_resident_id") == "110105********002X"
    assert crm_mask(["王小明", 0, ""]) == ["王**", "", ""]
    assert crm_mask("x", "nonsense").startswith("#VALUE! ")


def test_single_values_and_shapes():
    assert crm_is_valid_phone("13812345678") is True
    assert crm_is_valid_phone(13812345678) is True  # a phone typed as a number (Lite)
    assert crm_is_valid_phone("") == "" and crm_is_valid_phone(None) == ""
    assert crm_is_valid_phone(["1381234567", "+8613812345678"]) == [False, True]
    assert crm_is_valid_phone((("13812345678", "x"), ("", "138 1234 5678"))) == [
        [True, False],
        ["", True],
    ]
    assert crm_normalize_phone("852 6123 4567", "HK") == "+85261234567"
    assert crm_is_valid_phone("1", "CHINA").startswith("#VALUE! ")
    assert crm_is_valid_email("a@b.com") is True and crm_is_valid_email("a@") is False


def test_validate_refuses_clearly():
    grid = [["客户ID", "姓名"], [1, "王"]]
    assert crm_validate(grid, "nosuch").startswith("#VALUE! ")
    assert crm_validate(grid, "").startswith("#VALUE! ")
    assert crm_validate(grid, "ecommerce", "fr") == (
        "#VALUE! 语言 'fr' 无效；应为: zh（中文）或 en（English）；修改: 语言参数写 zh 或 en / "
        "unknown language 'fr'; expected: zh (中文) or en (English); "
        "fix: write zh or en as the language"
    )
    assert crm_validate(grid, "ecommerce", "EN")[0] == ["Cell", "Field", "Rule", "Message"]
    assert "B3" in crm_validate(grid, "ecommerce", "en", "B3!!")  # the address it refused
    for address in ("A0", "XFE1", "A1048577"):  # no such cell on a sheet
        assert crm_validate(grid, "ecommerce", "en", address).startswith(
            f"#VALUE! '{address}' is not a cell address; expected: e.g. A1 or Customers!B3; "
            "rows 1 to 1048576, columns A to XFD; fix: "
        )
    lowest = crm_validate(grid, "ecommerce", "en", "B1048575")
    assert lowest[0] == ["Cell", "Field", "Rule", "Message"]
    # a file's name is not a table (a function is handed cells)
    for path in ("C:\\data\\客户.xlsx", [["/home/me/shop.csv"]]):
        text = crm_validate(path, "ecommerce", "en")
        assert text.startswith("#VALUE! table is the file name ") and "\n" not in text
        assert text.endswith("to check a whole file, run xl-crm validate on it")
    # template names from the catalogue, in any case
    for name in ("Ecommerce", "ECOMMERCE", " ecommerce "):
        assert crm_validate(grid, name, "en") == crm_validate(grid, "ecommerce", "en")
    assert crm_validate(grid, "HOTEL", "en")[1][1] == "联系方式 / Contact Number"
    unmatched = crm_validate([["a", "b"], [1, 2]], "ecommerce", "en")
    assert unmatched.startswith("#VALUE! ") and "Traceback" not in unmatched


def test_a_template_file_can_be_named(tmp_path):
    source = Path(xl_crm.__file__).parents[1] / "templates" / "ecommerce.yaml"
    spec = tmp_path / "mine.yaml"  # names of at most 2 characters
    spec.write_text(
        source.read_text(encoding="utf-8").replace("max_length: 50", "max_length: 2", 1)
    )
    rows = [["客户ID", "姓名", "手机号码"], [1, "王小明", "13812345678"]]
    assert [r[2] for r in crm_validate(rows, "ecommerce", "en")[1:]].count("too-long") == 0
    assert [r[2] for r in crm_validate(rows, str(spec), "en")[1:]].count("too-long") == 1
