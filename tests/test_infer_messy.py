"""`template infer` on files people keep: the spec is one a user would keep, and it
validates the very file it came from without an error finding."""

from __future__ import annotations

import datetime as dt
import shutil

import openpyxl
import pytest
from typer.testing import CliRunner

from tests import messy_books as mb
from xl_crm import compute, validate
from xl_crm.cli.app import app
from xl_crm.errors import WorkbookError
from xl_crm.infer import infer_spec
from xl_crm.specs.dump import dump_spec

REAL = "../shared/cases/real-inputs"


def fields(spec, sheet=0):
    return {f.label.zh: f for f in spec.sheets[sheet].fields}


def error_findings(path, spec):
    report = validate(path, template=spec)
    return [(f.rule, f.sheet, f.cell, f.value) for f in report.findings if f.severity == "error"]


def test_two_sheet_book_types_from_values_and_headers(tmp_path):
    spec = infer_spec(mb.two_sheet_book(tmp_path / "客户.xlsx"))
    assert [s.id for s in spec.sheets] == ["customers", "orders"]
    c = fields(spec)
    assert {h: f.type for h, f in c.items()} == {
        "客户ID": "integer",
        "客户名称": "text",
        "手机号码": "phone",  # stored as numbers, still a phone
        "邮箱": "email",
        "身份证号": "cn_resident_id",
        "所在区": "text",  # a place: never a closed list
        "会员等级": "choice",
        "注册日期": "date",  # ISO date text is a date, not a phone
        "备注": "text",
    }
    assert [ch.value for ch in c["会员等级"].choices] == sorted(mb.LEVELS)
    assert c["备注"].max_length is None and not c["备注"].unique
    assert c["客户名称"].max_length == 10  # longest 4 characters: 1.5x is 6, next nice is 10
    assert {h for h, f in c.items() if f.unique} == {"客户ID", "手机号码", "邮箱", "身份证号"}
    assert not c["注册日期"].unique and not c["客户名称"].unique
    assert spec.sheets[0].key == c["客户ID"].id
    o = fields(spec, 1)
    assert {h: f.type for h, f in o.items()} == {
        "订单编号": "text",
        "客户ID": "integer",
        "下单时间": "datetime",
        "金额": "money",
        "渠道": "choice",
    }
    assert not o["下单时间"].unique and not o["金额"].unique
    refs = [(r.field, r.to) for r in spec.sheets[1].references]
    assert refs == [(o["客户ID"].id, f"customers.{c['客户ID'].id}")]


def test_two_sheet_book_validates_and_computes(tmp_path):
    book = mb.two_sheet_book(tmp_path / "客户.xlsx")
    spec = infer_spec(book)
    assert error_findings(book, spec) == []
    result = compute(book, template=spec, as_of="2026-06-30")
    assert result.rows == 24 and result.written


def test_compute_on_an_inferred_spec_gives_the_metrics(tmp_path):
    book = mb.two_sheet_book(tmp_path / "客户.xlsx", typed=True)
    spec = infer_spec(book)
    assert error_findings(book, spec) == []
    compute(book, template=spec, as_of="2026-06-30")
    wb = openpyxl.load_workbook(book, read_only=True)
    rows = list(wb["客户资料"].iter_rows(min_row=3, values_only=True))
    head = list(rows[0])
    spend = {r[0]: r[head.index("累计消费金额")] for r in rows[1:]}
    # customer 100001 has the orders i with 7*i % 24 == 0: i = 0 (100.0) and 24 (340.0)
    assert spend[100001] == pytest.approx(440.0)
    assert sum(spend.values()) == pytest.approx(sum(100 + 10 * i for i in range(40)))


def test_gbk_csv_with_title_row_and_repeated_header(tmp_path):
    path = mb.gbk_csv(tmp_path / "会员.csv")
    spec = infer_spec(path)
    f = fields(spec)
    assert list(f) == ["会员号", "姓名", "电话", "电话 (2)", "消费金额", "入会日期"]
    assert len({x.id for x in f.values()}) == 6
    assert [f[h].type for h in f] == ["text", "text", "phone", "phone", "money", "date"]
    assert f["会员号"].unique and spec.sheets[0].key == f["会员号"].id
    assert error_findings(path, spec) == []


def test_gb18030_csv_reads_too(tmp_path):
    path = mb.gbk_csv(tmp_path / "members.csv", encoding="gb18030")
    assert [f.type for f in infer_spec(path).sheets[0].fields][:3] == ["text", "text", "phone"]


def test_utf16_tab_separated_export(tmp_path):
    spec = infer_spec(mb.utf16_tab_text(tmp_path / "客户.csv"))
    f = fields(spec)
    assert list(f) == ["客户ID", "姓名", "手机", "城市"]
    assert f["手机"].type == "phone" and f["城市"].type == "text" and not f["城市"].choices


def test_undecodable_csv_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_bytes(b"\xff\xff\x80,\xfe\n")
    with pytest.raises(WorkbookError, match="cannot decode the CSV file") as exc:
        infer_spec(path)
    assert "CSV UTF-8" in str(exc.value) and str(path) in str(exc.value)


def test_data_rows_of_text_are_not_the_header(tmp_path):
    path = mb.all_text_rows_book(tmp_path / "contacts.xlsx")
    spec = infer_spec(path)
    assert list(fields(spec)) == ["姓名", "城市", "职位", "职位 (2)"]
    f = fields(spec)
    assert f["职位"].required and f["城市"].type == "text"  # a city is never a choice
    assert error_findings(path, spec) == []


def test_header_under_a_band_of_groups(tmp_path):
    path = tmp_path / "band.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["客户台账"])
    ws.append(["姓名", "联系方式", None, "交易", None])
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:C2")
    ws.merge_cells("D2:E2")
    ws.append([None, "电话", "邮箱", "日期", "金额"])
    for i in range(6):
        ws.append([f"客户{i}", f"1381234000{i}", f"c{i}@example.com", f"2026-01-0{i + 1}", i * 10])
    wb.save(path)
    spec = infer_spec(path)
    (sheet,) = spec.sheets
    groups = {g.id: g.label.zh for g in sheet.groups}
    assert [(f.label.zh, groups.get(f.group)) for f in sheet.fields] == [
        ("姓名", None),  # merged over both header rows: a field, not a group
        ("电话", "联系方式"),
        ("邮箱", "联系方式"),
        ("日期", "交易"),
        ("金额", "交易"),
    ]
    assert error_findings(path, spec) == []


def test_districts_and_one_value_columns_are_not_choices(tmp_path):
    path = tmp_path / "stores.csv"
    rows = ["门店,区,状态,类型"]
    rows += [f"店{i},{mb.DISTRICTS[i % 7]},营业,{['A', 'B'][i % 2]}" for i in range(40)]
    path.write_text("\n".join(rows), encoding="utf-8")
    f = fields(infer_spec(path))
    assert f["区"].type == "text" and f["状态"].type == "text"
    assert f["类型"].type == "choice" and [c.value for c in f["类型"].choices] == ["A", "B"]


def test_values_ending_like_places_are_not_choices(tmp_path):
    path = tmp_path / "where.csv"
    rows = ["名称,所属"] + [f"客户{i},{mb.DISTRICTS[i % 3]}" for i in range(30)]
    path.write_text("\n".join(rows), encoding="utf-8")
    assert fields(infer_spec(path))["所属"].type == "text"


def test_a_few_bad_phones_are_flagged_as_warnings(tmp_path):
    path = tmp_path / "phones.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["姓名", "电话"])
    for i in range(9):
        ws.append([f"客户{i}", 13912340000 + i])
    ws.append(["客户9", 8765432])  # a 7-digit number: not a phone anywhere in China
    wb.save(path)
    f = fields(infer_spec(path))
    assert f["电话"].type == "phone" and f["电话"].severity == "warning"
    report = validate(path, template=infer_spec(path))
    assert report.errors == 0
    assert [(x.rule, x.cell) for x in report.findings if x.rule == "phone"] == [("phone", "B11")]


def test_iso_dates_are_never_phones(tmp_path):
    path = tmp_path / "dates.csv"
    rows = ["编号,日期,联系电话"]
    rows += [f"{i},2026-0{1 + i % 9}-1{i % 10},0571-8888{i:04d}" for i in range(30)]
    path.write_text("\n".join(rows), encoding="utf-8")
    f = fields(infer_spec(path))
    assert f["日期"].type == "date" and f["联系电话"].type == "phone"
    assert error_findings(path, infer_spec(path)) == []


@pytest.mark.parametrize(
    "name",
    ["baseline", "amounts_as_text", "chinese_text_dates", "blank_rows"],
)
def test_real_inputs_validate_against_their_inferred_spec(tmp_path, name):
    path = tmp_path / f"{name}.xlsx"
    shutil.copyfile(f"{REAL}/{name}.xlsx", path)
    spec = infer_spec(path)
    (customers, orders) = spec.sheets
    assert [r.to for r in orders.references] == [f"customers.{customers.key}"]
    assert fields(spec, 1)["金额"].type == "money"
    assert fields(spec, 1)["下单时间"].type == "datetime"
    assert error_findings(path, spec) == []
    result = compute(path, template=spec, as_of="2026-06-30")
    assert result.rows == 3


def test_cli_infer_then_validate_exits_0(tmp_path):
    runner = CliRunner()
    book = mb.two_sheet_book(tmp_path / "book.xlsx")
    spec_file = tmp_path / "spec.yaml"
    result = runner.invoke(app, ["template", "infer", str(book), "-o", str(spec_file)])
    assert result.exit_code == 0, result.output
    assert spec_file.read_text(encoding="utf-8") == dump_spec(infer_spec(book))
    result = runner.invoke(app, ["validate", str(book), "--template", str(spec_file)])
    assert result.exit_code == 0, result.output
    csv_file = mb.gbk_csv(tmp_path / "members.csv")
    result = runner.invoke(app, ["template", "infer", str(csv_file), "-o", str(spec_file)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["validate", str(csv_file), "--template", str(spec_file)])
    assert result.exit_code == 0, result.output


def test_cli_undecodable_csv_has_no_traceback(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_bytes(b"\xff\xff\x80,\xfe\n")
    result = CliRunner().invoke(app, ["template", "infer", str(path)])
    assert result.exit_code == 2
    assert "无法解码 CSV 文件" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(app, ["template", "infer", str(path), "--lang", "en"])
    assert result.exit_code == 2
    assert "cannot decode the CSV file" in result.output and "Traceback" not in result.output


def test_notes_above_the_header_are_not_groups(tmp_path):
    spec = infer_spec(mb.two_sheet_book(tmp_path / "book.xlsx"))
    assert spec.sheets[1].groups == [] and {f.group for f in spec.sheets[1].fields} == {None}


def test_repeated_headers_map_in_order_when_validating(tmp_path):
    """The second 电话 column is checked as the field 电话 (2): its bad value is found there."""
    path = tmp_path / "两个电话.csv"
    rows = ["姓名,电话,电话"] + [f"客户{i},1391234{i:04d},010-6666{i:04d}" for i in range(12)]
    path.write_text("\n".join(rows), encoding="utf-8")
    spec = infer_spec(path)
    second = fields(spec)["电话 (2)"]
    rows[5] = "客户4,13912340004,12345"
    path.write_text("\n".join(rows), encoding="utf-8")
    report = validate(path, template=spec)
    assert [(f.rule, f.cell, f.field) for f in report.findings] == [("phone", "C6", second.id)]


def test_invisible_only_cells_are_empty_in_typed_columns(tmp_path):
    path = tmp_path / "zw.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["编号", "日期", "金额"])
    for i in range(6):
        ws.append([f"A{i}", dt.date(2026, 1, i + 1), 10.5 * i])
    ws.append(["A6", "\u200b", "\u3000"])  # look empty, hold only invisible characters
    wb.save(path)
    spec = infer_spec(path)
    f = fields(spec)
    assert (f["日期"].type, f["日期"].required) == ("date", False)
    assert (f["金额"].type, f["金额"].required) == ("money", False)
    assert validate(path, template=spec).findings == []
