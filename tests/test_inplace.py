"""The in-place writer: nothing else in the workbook changes, and failures lose nothing."""

from __future__ import annotations

import datetime as dt
import re
import signal
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from tests.conftest import convert_to_csv
from tests.rich_fixture import make
from tests.zipparts import raw_parts
from xl_crm.audit import verify_log
from xl_crm.errors import OverwriteRefusedError, WorkbookError
from xl_crm.xlsx.inplace import ColumnWrite, write_columns

ROWS = 40


def columns() -> list[ColumnWrite]:
    rows = range(2, ROWS + 2)
    return [
        ColumnWrite("购买频率", {r: r % 7 for r in rows}, kind="number"),
        ColumnWrite("RFM 客户分类", {r: "重要价值客户" if r % 2 else "=1+1" for r in rows}),
        ColumnWrite("首次购买", {r: dt.datetime(2026, 1, 1, 9, 30) for r in rows}, kind="datetime"),
        ColumnWrite("兴趣类别", {r: "图书" for r in rows}),  # overwrites an existing column
    ]


@pytest.mark.parametrize("vba", [False, True], ids=["xlsx", "xlsm"])
def test_untouched_parts_keep_their_bytes(tmp_path, vba):
    path = tmp_path / ("book.xlsm" if vba else "book.xlsx")
    make(str(path), ROWS, vba=vba)
    before = raw_parts(path)
    log = tmp_path / "audit.jsonl"
    result = write_columns(path, "customers", columns(), header_row=1, audit_log=log)
    after = raw_parts(path)
    changed = {n for n in before if before[n] != after.get(n)}
    assert changed == {"xl/worksheets/sheet1.xml", "xl/tables/table1.xml", "xl/styles.xml"}
    assert set(after) == set(before)
    if vba:
        assert (
            "xl/vbaProject.bin" in before
            and after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
        )
    assert result.backup is not None and result.backup.read_bytes() != path.read_bytes()
    assert result.columns == {
        "购买频率": "G",
        "RFM 客户分类": "H",
        "首次购买": "I",
        "兴趣类别": "E",
    }
    assert verify_log(log) == [] and "重要价值客户" not in log.read_text(encoding="utf-8")

    wb = openpyxl.load_workbook(path)
    ws = wb["customers"]
    assert [c.value for c in ws[1]][:9] == [
        "客户ID",
        "姓名",
        "手机号码",
        "最近一次购买日期",
        "兴趣类别",
        "金额",
        "购买频率",
        "RFM 客户分类",
        "首次购买",
    ]
    assert ws["G3"].value == 3 and ws["H3"].value == "重要价值客户"
    assert ws["H2"].value == "=1+1" and ws["H2"].data_type == "s"  # text, never a formula
    assert ws["I2"].value == dt.datetime(2026, 1, 1, 9, 30) and ws["I2"].is_date
    assert ws["E5"].value == "图书" and ws["C5"].value == "13812340003"
    table = ws.tables["Customers"]
    assert table.ref == f"A1:I{ROWS + 1}"
    assert [c.name for c in table.tableColumns][-3:] == ["购买频率", "RFM 客户分类", "首次购买"]
    assert ws.freeze_panes == "B2"
    assert ws["B2"].comment is not None
    assert wb.defined_names["Categories"].attr_text == "lists!$A$1:$A$3"
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("customers").to_python()
    assert rows[2][6] == 3.0 and rows[2][7] == "重要价值客户"
    summary = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("summary").to_python()
    assert summary[0][0] == 123.0  # cached formula value kept


def test_libreoffice_reads_the_new_columns(tmp_path):
    path = tmp_path / "book.xlsx"
    make(str(path), ROWS)
    write_columns(path, "customers", columns(), header_row=1, backups=0)
    rows = convert_to_csv(path, tmp_path, sheet=1)
    assert rows[0][:9] == [
        "客户ID",
        "姓名",
        "手机号码",
        "最近一次购买日期",
        "兴趣类别",
        "金额",
        "购买频率",
        "RFM 客户分类",
        "首次购买",
    ]
    assert rows[2][6] == "3" and rows[2][7] == "重要价值客户" and rows[1][7] == "=1+1"


def test_running_twice_gives_the_same_sheet(tmp_path):
    path = tmp_path / "book.xlsx"
    make(str(path), ROWS)
    write_columns(path, "customers", columns(), header_row=1, backups=0)
    first = raw_parts(path)
    write_columns(path, "customers", columns(), header_row=1, backups=0)
    assert raw_parts(path) == first


def test_exception_mid_write_leaves_the_original(tmp_path):
    path = tmp_path / "book.xlsx"
    make(str(path), 3000)
    original = path.read_bytes()
    calls: list[int] = []

    def failing(done: int, total: int) -> None:  # fails after the first block of rows
        calls.append(done)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        write_columns(
            path,
            "customers",
            [ColumnWrite("x", {r: r for r in range(2, 3002)}, kind="number")],
            header_row=1,
            block_size=1 << 16,  # several blocks
            progress=failing,
        )
    assert len(calls) == 2 and 0 < calls[1] < 3001  # it stopped mid-stream
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_killed_process_leaves_the_original(tmp_path):
    path = tmp_path / "book.xlsx"
    make(str(path), 60_000)
    original = path.read_bytes()
    script = textwrap.dedent(f"""
        import os, signal
        from xl_crm.xlsx.inplace import ColumnWrite, write_columns
        n = [0]
        def killed(done, total):
            n[0] += 1
            if n[0] == 3:
                print("halfway", flush=True)
                os.kill(os.getpid(), signal.SIGKILL)
        write_columns({str(path)!r}, "customers",
                      [ColumnWrite("x", {{r: r for r in range(2, 60002)}}, kind="number")],
                      header_row=1, block_size=1 << 16, progress=killed)
    """)
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == -signal.SIGKILL and "halfway" in proc.stdout
    assert path.read_bytes() == original
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "book.xlsx"]
    # the temporary file of a killed process is named for it and is the only leftover
    assert all(re.fullmatch(r"\.book\.xlsx\.\d+\.xlcrm-tmp", n) for n in leftovers)


def _rewrite_sheet(path: Path, transform) -> None:
    with zipfile.ZipFile(path) as z:
        items = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            if info.filename == "xl/worksheets/sheet1.xml":
                data = transform(data.decode("utf-8")).encode("utf-8")
            z.writestr(info, data)


def _simple_book(path: Path, rows: int = 5) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["客户ID", "姓名", "备注"])
    for i in range(rows):
        ws.append([i + 1, f"客户{i}", "  leading space"])
    wb.save(path)


def test_prefixed_namespaces_and_cells_without_r(tmp_path):
    path = tmp_path / "sdk.xlsx"
    _simple_book(path)

    def to_sdk_style(xml: str) -> str:
        xml = xml.replace(
            'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
            'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
        )
        xml = re.sub(r"<(/?)(?!\?)(\w+)", lambda m: f"<{m.group(1)}x:{m.group(2)}", xml)
        xml = re.sub(r'<x:c r="[A-Z]+\d+"', "<x:c", xml)  # cells without r
        return re.sub(
            r'<x:row r="(\d+)"', lambda m: "<x:row" if m.group(1) == "4" else m.group(0), xml
        )  # and one row without r

    _rewrite_sheet(path, to_sdk_style)
    write_columns(
        path,
        "客户",
        [ColumnWrite("分组", {2: "A", 3: "B", 4: "C", 5: "D", 6: "E"})],
        header_row=1,
        backups=0,
    )
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert '<x:c r="D2" t="inlineStr"><x:is><x:t>A</x:t></x:is></x:c>' in xml
    ws = openpyxl.load_workbook(path)["客户"]
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=1, max_row=3)] == [
        ["客户ID", "姓名", "备注", "分组"],
        [1, "客户0", "  leading space", "A"],
        [2, "客户1", "  leading space", "B"],
    ]
    assert ws["D4"].value == "C" and ws["B4"].value == "客户2"


@pytest.mark.parametrize("name", ["s", "O'Brien & co"])
def test_overwriting_formulas_drops_the_calc_chain(tmp_path, name):
    path = tmp_path / "f.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = name
    ws.append(["a", "b"])
    for i in range(1, 4):
        ws.append([i, f"=A{i + 1}*2"])
    wb.save(path)

    def add_chain(xml: str) -> str:
        return xml

    with zipfile.ZipFile(path) as z:
        items = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/calcChain.xml" '
                    b'ContentType="application/vnd.openxmlformats-officedocument.'
                    b'spreadsheetml.calcChain+xml"/></Types>',
                )
            if info.filename == "xl/workbook.xml":  # names as some producers escape them
                data = data.replace(b"O'Brien &amp; co", b"O&apos;Brien &#38; co")
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdC" Type="http:'
                    b"//schemas.openxmlformats.org/officeDocument/2006/"
                    b'relationships/calcChain" Target="calcChain.xml"/>'
                    b"</Relationships>",
                )
            z.writestr(info, data)
        z.writestr(
            "xl/calcChain.xml",
            '<calcChain xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main"><c r="B2" i="1"/><c r="B3"/><c r="B4"/></calcChain>',
        )
    writes = [ColumnWrite("b", {2: 10, 3: 20, 4: 30}, kind="number")]
    original = path.read_bytes()
    with pytest.raises(OverwriteRefusedError) as refused:  # the user's formulas stay
        write_columns(path, name, writes, header_row=1, backups=0)
    assert refused.value.problems == [
        ("B2:B4", "3 个公式单元格会被数值替换（B2 =A2*2、B3 =A3*2、B4 =A4*2）",
         "3 cells with formulas would be replaced by values (B2 =A2*2, B3 =A3*2, B4 =A4*2)"),
    ]  # fmt: skip
    assert path.read_bytes() == original
    result = write_columns(path, name, writes, header_row=1, backups=0, force=True)
    assert [c for c, _, _ in result.overwritten] == ["B2:B4"]
    z = zipfile.ZipFile(path)
    assert "xl/calcChain.xml" not in z.namelist()
    assert b"calcChain" not in z.read("[Content_Types].xml")
    assert b"calcChain" not in z.read("xl/_rels/workbook.xml.rels")
    assert [c.value for c in openpyxl.load_workbook(path)[name]["B"]] == ["b", 10, 20, 30]


def test_1904_date_system(tmp_path):
    path = tmp_path / "mac.xlsx"
    _simple_book(path)
    with zipfile.ZipFile(path) as z:
        items = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            if info.filename == "xl/workbook.xml":
                data = re.sub(rb"<workbookPr\b([^>]*?)/>", rb'<workbookPr\1 date1904="1"/>', data)
            z.writestr(info, data)
    write_columns(
        path,
        "客户",
        [ColumnWrite("日期", {2: dt.datetime(2026, 3, 1)}, kind="date")],
        header_row=1,
        backups=0,
    )
    assert openpyxl.load_workbook(path)["客户"]["D2"].value == dt.datetime(2026, 3, 1)


def _put(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: _put(p.with_suffix(".xlsb"), b"x"), "only write into .xlsx and .xlsm"),
        (
            lambda p: _put(p, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100),
            "password-protected",
        ),
    ],
    ids=["xlsb", "encrypted"],
)
def test_refused_formats(tmp_path, setup, message):
    path = setup(tmp_path / "book.xlsx")
    with pytest.raises(WorkbookError, match=message):
        write_columns(path, "客户", [ColumnWrite("x", {2: 1})], header_row=1)


def test_strict_ooxml_and_long_cells_are_refused(tmp_path):
    path = tmp_path / "book.xlsx"
    _simple_book(path)
    original = path.read_bytes()
    with pytest.raises(WorkbookError, match="over Excel's limit of 32,767"):
        write_columns(path, "客户", [ColumnWrite("x", {2: "长" * 32_768})], header_row=1)
    assert path.read_bytes() == original
    with zipfile.ZipFile(path) as z:
        items = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            if info.filename == "xl/workbook.xml":
                data = data.replace(
                    b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                    b"http://purl.oclc.org/ooxml/spreadsheetml/main",
                )
            z.writestr(info, data)
    with pytest.raises(WorkbookError, match="Strict Open XML"):
        write_columns(path, "客户", [ColumnWrite("x", {2: 1})], header_row=1)


def test_table_with_totals_row_is_refused(tmp_path):
    path = tmp_path / "t.xlsx"
    make(str(path), 5)
    with zipfile.ZipFile(path) as z:
        items = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            if info.filename == "xl/tables/table1.xml":
                data = data.replace(b"<table ", b'<table totalsRowCount="1" ', 1)
            z.writestr(info, data)
    original = path.read_bytes()
    with pytest.raises(WorkbookError, match="totals row"):
        write_columns(path, "customers", [ColumnWrite("新列", {2: 1})], header_row=1)
    assert path.read_bytes() == original


@pytest.mark.parametrize("producer", ["openpyxl", "libreoffice", "excel-form", "google-form"])
def test_workbooks_from_other_producers(tmp_path, producer):
    """openpyxl writes inline strings; LibreOffice writes shared strings and its own XML;
    the Excel and Google Sheets forms are hand-made in those programs' shapes."""
    from tests import handmade
    from tests.conftest import libreoffice_convert

    path = tmp_path / "book.xlsx"
    _simple_book(path, rows=30)
    if producer.endswith("-form"):
        rows = [[i + 1, f"客户{i}", "  leading space"] for i in range(30)]
        handmade.write(path, producer[:-5], ["客户ID", "姓名", "备注"], rows)
    if producer == "libreoffice":
        source = tmp_path / "src.ods"
        libreoffice_convert(path, tmp_path, "ods")
        (tmp_path / "book.ods").rename(source)
        path.unlink()
        libreoffice_convert(source, tmp_path, "xlsx:Calc MS Excel 2007 XML")
        (tmp_path / "src.xlsx").rename(path)
        assert b"sharedStrings" in zipfile.ZipFile(path).read("[Content_Types].xml")
    before = raw_parts(path)
    write_columns(
        path,
        "客户",
        [
            ColumnWrite("分组", {r: f"G{r}" for r in range(2, 32)}),
            ColumnWrite("备注", {5: "新备注"}),
        ],
        header_row=1,
        backups=0,
    )
    after = raw_parts(path)
    changed = {n for n in before if before[n] != after[n]}
    assert changed == {"xl/worksheets/sheet1.xml"}
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("客户").to_python()
    assert rows[0] == ["客户ID", "姓名", "备注", "分组"]
    assert rows[4] == [4.0, "客户3", "新备注", "G5"] and rows[30][3] == "G31"


def test_rows_the_sheet_does_not_have_yet(tmp_path):
    path = tmp_path / "book.xlsx"
    _simple_book(path, rows=3)  # rows 1-4 exist
    write_columns(
        path,
        "客户",
        [ColumnWrite("分组", {3: "B", 6: "late", 9: "later"})],
        header_row=1,
        backups=0,
    )
    ws = openpyxl.load_workbook(path)["客户"]
    assert [ws[f"D{r}"].value for r in range(1, 10)] == [
        "分组",
        None,
        "B",
        None,
        None,
        "late",
        None,
        None,
        "later",
    ]
    assert ws["B3"].value == "客户1"
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    numbers = [int(n) for n in re.findall(r'<row r="(\d+)"', xml)]
    assert numbers == sorted(numbers) and len(numbers) == len(set(numbers))


def _shared_formula_book(path: Path, kind: str = "shared") -> None:
    _simple_book(path, rows=4)

    def add_shared(xml: str) -> str:
        # D2:D5 share one formula (=A2*2), written the way Excel writes it, under header "D"
        xml = re.sub(
            r'(<row r="1"[^>]*>.*?)(</row>)',
            lambda m: m.group(1) + '<c r="D1" t="inlineStr"><is><t>D</t></is></c>' + m.group(2),
            xml,
            count=1,
            flags=re.S,
        )
        for row in range(2, 6):
            if row == 2:
                extra = ' si="0"' if kind == "shared" else ""
                cell = f'<c r="D2"><f t="{kind}" ref="D2:D5"{extra}>A2*2</f><v>2</v></c>'
            elif kind == "shared":
                cell = f'<c r="D{row}"><f t="shared" si="0"/><v>{2 * (row - 1)}</v></c>'
            else:
                cell = f'<c r="D{row}"><v>{2 * (row - 1)}</v></c>'
            xml = re.sub(
                rf'(<row r="{row}"[^>]*>.*?)(</row>)',
                lambda m, c=cell: m.group(1) + c + m.group(2),
                xml,
                count=1,
                flags=re.S,
            )
        return xml

    _rewrite_sheet(path, add_shared)


@pytest.mark.parametrize("kind", ["shared", "array"])
def test_shared_formula_master_is_not_broken(tmp_path, kind):
    path = tmp_path / "shared.xlsx"
    _shared_formula_book(path, kind)
    original = path.read_bytes()
    with pytest.raises(WorkbookError, match="shared or array formula of D2:D5"):
        write_columns(path, "客户", [ColumnWrite("D", {2: 99}, kind="number")], header_row=1)
    assert path.read_bytes() == original
    # writing the whole range (with force) replaces every formula by a value
    write_columns(
        path,
        "客户",
        [ColumnWrite("D", {r: r for r in range(2, 6)}, kind="number")],
        header_row=1,
        backups=0,
        force=True,
    )
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert "<f" not in xml
    assert [c.value for c in openpyxl.load_workbook(path)["客户"]["D"]] == ["D", 2, 3, 4, 5]


def test_part_of_an_array_formula_is_not_overwritten(tmp_path):
    path = tmp_path / "array.xlsx"
    _shared_formula_book(path, "array")
    original = path.read_bytes()
    with pytest.raises(WorkbookError, match=r"D4 is part of the array formula in D2:D5"):
        write_columns(
            path,
            "客户",
            [ColumnWrite("D", {4: 99}, kind="number")],
            header_row=1,
            block_size=200,  # the range spans blocks
        )
    assert path.read_bytes() == original
    # writing the whole range replaces the array formula by the values; a new column goes
    # beside it
    write_columns(
        path,
        "客户",
        [
            ColumnWrite("D", {r: r for r in range(2, 6)}, kind="number"),
            ColumnWrite("E", {r: -r for r in range(2, 6)}, kind="number"),
        ],
        header_row=1,
        backups=0,
        force=True,
    )
    ws = openpyxl.load_workbook(path)["客户"]
    assert [c.value for c in ws["D"]] == ["D", 2, 3, 4, 5]
    assert [c.value for c in ws["E"]] == ["E", -2, -3, -4, -5]
