"""validate --annotate: bad cells get a fill and a note in the workbook; nothing else changes."""

from __future__ import annotations

import warnings

import openpyxl
from typer.testing import CliRunner

from tests.conftest import convert_to_csv
from tests.wrongcells import inject_ecommerce
from tests.zipparts import raw_parts
from xl_crm import annotate, validate
from xl_crm.cli.app import app
from xl_crm.xlsx.builder import build_workbook
from xl_crm.xlsx.marks import AUTHOR, MARK_COLOUR


def load(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path)


def marked_cells(path) -> dict[str, str]:
    out = {}
    for ws in load(path):
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None and cell.comment.author == AUTHOR:
                    assert cell.fill.fgColor.rgb == MARK_COLOUR
                    out[f"{ws.title}!{cell.coordinate}"] = cell.comment.text
                else:
                    assert cell.fill.fgColor.rgb != MARK_COLOUR, cell.coordinate
    return out


def test_annotate_marks_exactly_the_findings(tmp_path):
    path = tmp_path / "shop.xlsx"
    build_workbook("ecommerce", path, sample=40, seed=3)
    inject_ecommerce(path)
    before = raw_parts(path)
    result = CliRunner().invoke(app, ["validate", str(path), "--annotate", "--lang", "en"])
    assert result.exit_code == 1 and "marked" in result.output
    report = validate(path)
    expected = {f.where: f.message_en for f in report.findings if f.row is not None}
    assert marked_cells(path) == expected
    after = raw_parts(path)
    changed = {n for n in before if before[n] != after.get(n)}
    notes = {n for n in changed if n.endswith((".rels", ".vml")) or "comment" in n}
    assert changed - notes <= {
        "xl/worksheets/sheet1.xml",
        "xl/worksheets/sheet2.xml",
        "xl/styles.xml",
        "[Content_Types].xml",
    }
    untouched = {n for n in before if n.startswith(("xl/tables/", "docProps/", "xl/theme/"))}
    assert untouched and not (untouched & changed)
    assert "xl/worksheets/sheet3.xml" not in changed and "xl/tables/table1.xml" not in changed
    # the data did not change, and LibreOffice still reads the workbook
    assert findings_where(validate(path)) == findings_where(report)
    rows = convert_to_csv(path, tmp_path, sheet=1)
    assert rows[1][0] == "客户ID"


def findings_where(report):
    return sorted((f.where, f.rule) for f in report.findings)


def test_fixed_cells_lose_their_marks(tmp_path):
    path = tmp_path / "shop.xlsx"
    build_workbook("ecommerce", path, sample=40, seed=3)
    inject_ecommerce(path)
    annotate(path, validate(path), backups=0)
    wb = load(path)
    ws = wb["客户"]
    ws["C7"] = "wang.fang@qq.com"  # fix the bad e-mail
    ws["C7"].comment = None
    wb.save(path)
    annotate(path, validate(path), backups=0)
    marks = marked_cells(path)
    assert "客户!C7" not in marks and "客户!D8" in marks
    again = dict(marks)
    annotate(path, validate(path), backups=0)
    assert marked_cells(path) == again  # a rerun gives the same marks
    clean = tmp_path / "clean.xlsx"
    build_workbook("hotel", clean, sample=10, seed=1)
    assert annotate(clean, validate(clean), backups=0).marked == 0 and marked_cells(clean) == {}


def test_marks_stream_through_small_blocks(tmp_path):
    """Marks (set, cleared, on rows the sheet lacks) come out the same whatever the blocks
    the sheet is streamed in: the whole sheet is never held in memory."""
    import zipfile

    from xl_crm.xlsx.marks import mark_cells

    source = tmp_path / "shop.xlsx"
    build_workbook("ecommerce", source, sample=60, seed=3)
    marks = {"C5": "bad e-mail", "D30": "bad phone", "B61": "too long", "E80": "beyond the data"}
    results = []
    for block in (1 << 22, 300):
        path = tmp_path / f"b{block}.xlsx"
        path.write_bytes(source.read_bytes())
        mark_cells(path, "客户", marks, backups=0, block_size=block)
        again = {"D30": "bad phone", "A2": "header?"}
        mark_cells(path, "客户", again, backups=0, block_size=block)  # clears
        with zipfile.ZipFile(path) as z:
            results.append(z.read("xl/worksheets/sheet1.xml"))
    assert results[0] == results[1]
    ws = load(tmp_path / "b300.xlsx")["客户"]
    assert ws["D30"].fill.fgColor.rgb == MARK_COLOUR
    # the header cell has a fill and a help note of its own: it keeps both
    assert ws["A2"].fill.fgColor.rgb != MARK_COLOUR and "header?" not in ws["A2"].comment.text
    assert ws["C5"].fill.fgColor.rgb != MARK_COLOUR and ws["E80"].fill.fgColor.rgb != MARK_COLOUR


def _merged_shop(path):
    """An XlsxWriter workbook (not built by xl-crm): 王芳's name merged over B2:B3, so the
    second customer's name (B3) is empty and hidden under the merge; orders are clean."""
    import datetime as dt

    import xlsxwriter

    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("客户")
    ws.write_row(0, 0, ["客户ID", "姓名", "手机号码"])
    for r, (key, phone) in enumerate([(100001, "13812345678"), (100002, "13912345678")], 1):
        ws.write(r, 0, key)
        ws.write_string(r, 2, phone)
    ws.merge_range("B2:B3", "王芳")
    orders = wb.add_worksheet("订单")
    orders.write_row(0, 0, ["订单编号", "客户ID", "下单时间", "金额"])
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    for r, key in enumerate([100001, 100002], 1):
        orders.write_row(r, 0, [f"O{r}", key])
        orders.write_datetime(r, 2, dt.datetime(2026, r, 2), day)
        orders.write(r, 3, 10 * r)
    wb.close()
    return path


def test_the_output_names_the_cell_a_moved_mark_went_to(tmp_path):
    import csv
    import io
    import json

    path = _merged_shop(tmp_path / "merged.xlsx")
    report = validate(path, template="ecommerce")
    assert [(f.where, f.rule) for f in report.all_findings() if f.row] == [("客户!B3", "required")]
    result = annotate(path, report, lang="en", backups=0)
    (mark,) = result.marks
    assert (mark.sheet, mark.cell, mark.moved_from) == ("客户", "B2", "B3")
    assert result.marked == 1 and marked_cells(path) == {"客户!B2": "B3 → B2 (B2:B3): " + mark.note}
    assert result.to_dict()["marks"] == [
        {"sheet": "客户", "cell": "B2", "note": mark.note, "moved_from": "B3"}
    ]
    # the command line says the same, in --json and --csv
    shown = CliRunner().invoke(
        app, ["annotate", str(path), "-t", "ecommerce", "--lang", "en", "--json", "-"]
    )
    assert json.loads(shown.stdout)["marks"][0]["cell"] == "B2"
    table = CliRunner().invoke(
        app, ["annotate", str(path), "-t", "ecommerce", "--lang", "en", "--csv", "-"]
    )
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    assert [(r["sheet"], r["cell"], r["moved_from"]) for r in rows] == [("客户", "B2", "B3")]


def _sheet_xml(path, part):
    import zipfile

    with zipfile.ZipFile(path) as z:
        return z.read(part)


def test_sheets_without_findings_or_earlier_marks_are_left_byte_for_byte(tmp_path):
    path = _merged_shop(tmp_path / "shop.xlsx")
    customers, orders = "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"
    before = raw_parts(path)
    report = validate(path, template="ecommerce")
    assert "订单" in report.rows
    assert not [f for f in report.all_findings() if f.row and f.sheet == "订单"]
    annotate(path, report, backups=0)
    after = raw_parts(path)
    assert after[orders] == before[orders]  # as stored: not even recompressed
    assert after[customers] != before[customers]
    # a workbook with nothing to mark, and no marks of an earlier run, is not written at all
    clean = _merged_shop(tmp_path / "clean.xlsx")
    wb = openpyxl.load_workbook(clean)
    wb["客户"].unmerge_cells("B2:B3")
    wb["客户"]["B3"] = "李娜"
    wb.save(clean)
    before_bytes = clean.read_bytes()
    result = annotate(clean, validate(clean, template="ecommerce"), backups=0)
    assert result.marked == 0 and clean.read_bytes() == before_bytes
    assert not list(clean.parent.glob(".xlcrm-backups/*"))  # no backup of an unchanged file
    # fixing the marked cell clears its mark; the clean sheet stays as it was
    wb = openpyxl.load_workbook(path)
    wb["客户"].unmerge_cells("B2:B3")
    wb["客户"]["B3"] = "李娜"
    wb.save(path)
    saved = _sheet_xml(path, orders)
    annotate(path, validate(path, template="ecommerce"), backups=0)
    assert marked_cells(path) == {} and _sheet_xml(path, orders) == saved
