"""Validation: a ground-truth workbook with errors of every kind at known cells, CLI/library
parity, and one clear error per unreadable input."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from tests.wrongcells import findings_set, inject_ecommerce
from xl_crm import validate
from xl_crm.cli.app import app
from xl_crm.errors import WorkbookError
from xl_crm.fields.identifiers import resident_id_check_char, uscc_check_char
from xl_crm.xlsx.builder import build_workbook

runner = CliRunner()


def _wrong_check(code: str, check) -> str:
    right = check(code[:17])
    wrong = next(c for c in "0123456789" if c != right)
    return code[:17] + wrong


def test_ground_truth_ecommerce(tmp_path):
    path = tmp_path / "shop.xlsx"
    build_workbook("ecommerce", path, sample=40, seed=3)
    assert validate(path).findings == []
    expected = inject_ecommerce(path)
    report = validate(path)
    assert findings_set(report) == expected
    assert len(report.findings) == len(expected)  # one finding per cell and rule
    assert report.exit_code == 1
    by_where = {f.where: f for f in report.findings}
    assert by_where["客户!C3"].message_en.endswith("(see also C11)")
    assert by_where["订单!B5"].message_zh == "“客户ID”的值“999999”在“客户”中不存在"
    assert by_where["客户!H2"].severity == "warning"


def test_ground_truth_hotel_rules(tmp_path):
    path = tmp_path / "hotel.xlsx"
    build_workbook("hotel", path, lang="en", sample=30, seed=5)
    wb = openpyxl.load_workbook(path)
    stays = wb["Stays"]
    # header row 2 (band), columns: A id, B customer, C booked, D check-in, E check-out
    stays["E6"] = (
        stays["D6"].value.replace(hour=1)
        if stays["D6"].value.hour > 1
        else (stays["D6"].value.replace(day=1))
    )
    stays["C7"] = stays["D7"].value.replace(year=stays["D7"].value.year + 1)
    guests = wb["Guests"]
    guests["C4"] = "021-6234567"  # a Shanghai landline one digit short
    guests["C5"] = "2162345678"  # lost its leading zero
    wb.save(path)
    report = validate(path)
    assert findings_set(report) == {
        ("Stays!E6", "row-rule"),
        ("Stays!C7", "row-rule"),
        ("Guests!C4", "phone"),
        ("Guests!C5", "damaged-id"),
    }
    by_where = {f.where: f for f in report.findings}
    assert by_where["Stays!E6"].severity == "error"
    assert by_where["Stays!E6"].message_zh.startswith("退房时间必须晚于入住时间")
    assert by_where["Stays!C7"].severity == "warning"  # the booking rule is a warning


def test_ground_truth_car_sales_identifiers_and_composite_keys(tmp_path):
    path = tmp_path / "cars.xlsx"
    build_workbook("car_sales", path, sample=30, seed=2)
    wb = openpyxl.load_workbook(path)
    ws = wb["客户台账"]
    header = [c.value for c in ws[2]]
    col = {h: openpyxl.utils.get_column_letter(i + 1) for i, h in enumerate(header)}
    rid, uscc = col["身份证号"], col["统一社会信用代码"]
    ids = [r for r in range(3, 33) if ws[f"{rid}{r}"].value][:3]
    codes = [r for r in range(3, 33) if ws[f"{uscc}{r}"].value][:1]
    ws[f"{rid}{ids[0]}"] = _wrong_check(ws[f"{rid}{ids[0]}"].value, resident_id_check_char)
    ws[f"{rid}{ids[1]}"] = "110101199013077770"  # month 13
    good = ws[f"{rid}{ids[2]}"].value
    ws[f"{rid}{ids[2]}"] = str(int(float(good[:17] + "0")))[:15] + "000"  # float-mangled
    ws[f"{uscc}{codes[0]}"] = _wrong_check(ws[f"{uscc}{codes[0]}"].value, uscc_check_char)
    # composite key (客户名称 + 公司名称): copy row 3's pair to row 8
    ws[f"{col['客户名称']}8"] = ws[f"{col['客户名称']}3"].value
    ws[f"{col['公司名称']}8"] = ws[f"{col['公司名称']}3"].value
    maintenance = wb["维修保养"]
    maintenance["B4"] = "LSVXXXXXXXX000000"
    wb.save(path)
    report = validate(path)
    expected = {
        (f"客户台账!{rid}{ids[0]}", "resident-id"),
        (f"客户台账!{rid}{ids[1]}", "resident-id"),
        (f"客户台账!{rid}{ids[2]}", "damaged-id"),
        (f"客户台账!{uscc}{codes[0]}", "uscc"),
        (f"客户台账!{col['客户名称']}3", "duplicate-key"),
        (f"客户台账!{col['客户名称']}8", "duplicate-key"),
        ("维修保养!B4", "reference"),
    }
    assert findings_set(report) == expected
    messages = {f.where: f.message_en for f in report.findings}
    assert "wrong check character" in messages[f"客户台账!{rid}{ids[0]}"]
    assert "impossible birth date" in messages[f"客户台账!{rid}{ids[1]}"]
    assert "15 significant digits" in messages[f"客户台账!{rid}{ids[2]}"]


def test_cli_json_equals_library_result(tmp_path):
    path = tmp_path / "shop.xlsx"
    build_workbook("ecommerce", path, sample=40, seed=3)
    inject_ecommerce(path)
    result = runner.invoke(app, ["validate", str(path), "--json", "-", "--mask"])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == validate(path, mask=True).to_dict()


def test_mask_hides_personal_data(tmp_path):
    path = tmp_path / "shop.xlsx"
    build_workbook("ecommerce", path, sample=40, seed=3)
    inject_ecommerce(path)
    plain = {f.where: f for f in validate(path).findings}
    masked = {f.where: f for f in validate(path, mask=True).findings}
    assert plain["客户!D8"].value == "1381234567"
    assert masked["客户!D8"].value == "138****4567"
    # an e-mail is masked to its first character and domain; text without "@" (C7 holds
    # "wang.fang#qq.com") to its first character
    assert plain["客户!C7"].value == "wang.fang#qq.com"
    assert masked["客户!C7"].value == "w" + "*" * 15
    local, domain = plain["客户!C3"].value.split("@")
    assert masked["客户!C3"].value == f"{local[0]}***@{domain}"
    assert "1381234567" not in json.dumps(validate(path, mask=True).to_dict(), ensure_ascii=False)


def test_exit_codes(tmp_path):
    clean = tmp_path / "clean.xlsx"
    build_workbook("hotel", clean, sample=10, seed=1)
    assert runner.invoke(app, ["validate", str(clean)]).exit_code == 0
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    result = runner.invoke(app, ["validate", str(bad), "--template", "hotel"])
    assert result.exit_code == 2


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _blank_book(path: Path, rows: list[list], title: str = "客户") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: _write(p, b"hello"), "not a valid workbook"),
        (lambda p: _write(p, b"PK\x03\x04" + b"\x00" * 40), "not a valid workbook"),
        (
            lambda p: _blank_book(p, [["a"]], title="Sheet9"),
            "no sheet matches the template 'hotel' (酒店客户信息表 / Hotel guests); "
            "sheets seen: Sheet9 (first row: a)",
        ),
        (
            lambda p: _blank_book(p, [["说明"], ["x", "y"]]),
            "sheets seen: 客户 (first row: 说明)",
        ),
        (lambda p: _blank_book(p, []), "sheets seen: 客户 (empty)"),
        (
            lambda p: _blank_book(p, [["客户ID", "姓名", "Name"], [1, "a", "b"]]),
            "duplicate headers: '姓名' (B1) and 'Name' (C1)",
        ),
    ],
    ids=[
        "not-a-spreadsheet",
        "corrupt-zip",
        "missing-sheet",
        "no-header",
        "empty-sheet",
        "duplicate-headers",
    ],
)
def test_unreadable_input_is_one_clear_error(tmp_path, make, message):
    path = make(tmp_path / "book.xlsx")
    with pytest.raises(WorkbookError, match=message.replace("(", r"\(").replace(")", r"\)")):
        validate(path, template="hotel")
    result = runner.invoke(app, ["validate", str(path), "--template", "hotel"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert str(path) in result.output


def test_damaged_zip_member_is_reported(tmp_path):
    path = tmp_path / "hotel.xlsx"
    build_workbook("hotel", path, sample=200, seed=1)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)  # zero a stretch of compressed sheet data
    path.write_bytes(bytes(data))
    with pytest.raises(WorkbookError, match="the workbook is damaged"):
        validate(path)


def test_csv_over_excel_limits_is_refused(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("客户ID,姓名,联系方式\n" + "1,a,13812345678\n" * 1_048_576, encoding="utf-8")
    with pytest.raises(WorkbookError, match="over Excel's limit"):
        validate(path, template="hotel")


def test_csv_with_a_title_row(tmp_path):
    path = tmp_path / "guests.csv"
    path.write_text(
        "宾客名单,,\n客户ID,姓名,手机\n1,张三,13812345678\n2,,1381234\n2,李四,13812345679\n",
        encoding="utf-8",
    )
    spec_sheet_only = validate(path, template="hotel")  # matched to guests by its headers
    assert findings_set(spec_sheet_only) == {
        ("", "missing-sheet"),  # the stays: a CSV holds one sheet
        ("guests!B4", "required"),
        ("guests!C4", "phone"),
        ("guests!A4", "duplicate"),
        ("guests!A5", "duplicate"),
    }


def test_encrypted_workbook_needs_the_password(tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = tmp_path / "plain.xlsx"
    build_workbook("hotel", plain, sample=10, seed=1)
    locked = tmp_path / "locked.xlsx"
    with plain.open("rb") as src, locked.open("wb") as dst:
        OOXMLFile(src).encrypt("s3cret", dst)
    with pytest.raises(WorkbookError, match="password-protected"):
        validate(locked)
    with pytest.raises(WorkbookError, match="cannot decrypt"):
        validate(locked, password="wrong")
    assert validate(locked, password="s3cret").valid


@pytest.mark.parametrize("target", ["ods", "xls:MS Excel 97"])
def test_other_formats_give_the_same_findings(tmp_path, target):
    """LibreOffice saves the broken workbook as .ods and .xls; validation agrees."""
    from tests.conftest import libreoffice_convert

    path = tmp_path / "shop.xlsx"
    build_workbook("ecommerce", path, sample=40, seed=3)
    expected = inject_ecommerce(path)
    libreoffice_convert(path, tmp_path, target)
    other = tmp_path / f"shop.{target.split(':')[0]}"
    report = validate(other, template="ecommerce")
    assert findings_set(report) == expected


def test_spec_sets_rule_severity(tmp_path):
    from xl_crm.specs import load_spec

    book = Path(__file__).parent / "fixtures" / "books" / "guests_missing_column.csv"
    default = {f.rule: f.severity for f in validate(book, template="hotel").findings}
    assert default["unknown-column"] == "warning"
    strict = load_spec("hotel").model_copy(update={"severity": {"unknown-column": "error"}})
    report = validate(book, template=strict)
    assert {f.rule: f.severity for f in report.findings}["unknown-column"] == "error"


def test_csv_report_escapes_formulas(tmp_path):
    book = Path(__file__).parent / "fixtures" / "books" / "guests_messy.csv"
    text = tmp_path / "broken.csv"
    text.write_text(
        book.read_text(encoding="utf-8") + "7,张三,abc\n8,李四,=1+2\n", encoding="utf-8"
    )
    out = tmp_path / "findings.csv"
    result = runner.invoke(app, ["validate", str(text), "--template", "hotel", "--csv", str(out)])
    assert result.exit_code == 1
    import csv

    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    phone = next(r for r in rows if r["where"] == "broken!C10")
    assert phone["rule"] == "phone" and phone["value"] == "abc"
    formula = next(r for r in rows if r["where"] == "broken!C11")
    assert formula["value"] == "'=1+2"  # a spreadsheet opening the CSV shows text
    assert all(not r["value"].startswith("=") for r in rows)
    assert validate(text, template="hotel").exit_code == 1


def _full_width_phones(path: Path) -> Path:
    """A hand-made customers sheet: D2 typed in full width, D3 the same number in ASCII."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["客户ID", "姓名", "电子邮件", "手机号码"])
    ws.append([1001, "王芳", "wang@example.com", "１３８００１３８０００"])
    ws.append([1002, "李雷", "li@example.com", "13800138000"])
    ws.append([1003, "韩梅", "han@example.com", "13900139000"])
    wb.save(path)
    return path


def _medium(kind: str, path: Path, request):
    """The workbook ``path`` as the medium ``kind`` reads it: the file, the xlwings
    stand-in of a runtime (its rows as the runtime hands them over), a Google Sheet."""
    if kind == "xlsx":
        return path
    if kind == "gsheet":
        from tests.gsheets import sheet_from_xlsx

        emulator = request.getfixturevalue("sheets_emulator")
        return sheet_from_xlsx(emulator, request.getfixturevalue("sheets_client"), path)
    from tests import xwstandin as xs
    from tests.test_excel_book import medium

    ws = openpyxl.load_workbook(path)["客户"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    return medium(xs.book_from_rows({"客户": rows}, path.name, kind))


@pytest.mark.parametrize("kind", ["xlsx", "classic", "lite", "gsheet"])
def test_a_duplicate_shows_what_each_cell_holds_as_typed(tmp_path, request, kind):
    path = _full_width_phones(tmp_path / "shop.xlsx")
    shown = {
        (f.cell, f.value, f.message_zh, f.message_en)
        for f in validate(_medium(kind, path, request), template="ecommerce").findings
        if f.rule == "duplicate"
    }
    assert shown == {  # compared folded (one number), each shown as its cell holds it
        ("D2", "１３８００１３８０００", "“手机号码”的值“１３８００１３８０００”重复（另见 D3）",
         "'手机号码' value '１３８００１３８０００' is a duplicate (see also D3)"),
        ("D3", "13800138000", "“手机号码”的值“13800138000”重复（另见 D2）",
         "'手机号码' value '13800138000' is a duplicate (see also D2)"),
    }  # fmt: skip
    masked = [
        f
        for f in validate(_medium(kind, path, request), template="ecommerce", mask=True).findings
        if f.rule == "duplicate"
    ]
    assert [(f.cell, f.value) for f in masked] == [("D2", "138****8000"), ("D3", "138****8000")]
    for f in masked:
        text = f"{f.message_zh} {f.message_en}"
        assert "13800138000" not in text and "１３８００１３８０００" not in text
        assert "138****8000" in f.message_en
