"""``xl-crm excel init`` (the sheets xlwings uses, added to a workbook xl-crm did not make,
everything else left as it was) and ``xl-crm excel lite`` (main.py and requirements.txt)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from openpyxl.workbook.defined_name import DefinedName
from typer.testing import CliRunner

import xl_crm
from tests import xwstandin as xs
from tests.conftest import convert_to_csv
from tests.zipparts import raw_parts
from xl_crm.cli.app import app
from xl_crm.excel import functions, lite
from xl_crm.excel.book import SETTINGS_SHEET, XlwingsBook
from xl_crm.excel.starter import (
    CONF_SHEET,
    EXAMPLES,
    EXAMPLES_SHEET,
    XLWINGS_VERSION,
    lite_files,
)

ROOT = Path(__file__).resolve().parents[1]
#: the parts adding sheets must change: the sheet list, its relationships, the content
#: types, the shared styles (the new sheets' formats) and the app properties' sheet names
CHANGED = {
    "[Content_Types].xml",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/styles.xml",
    "docProps/app.xml",
}


def openpyxl_book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sales"
    ws.append(["Region", "Q1", "Q2", "Total"])
    ws.append(["North", 10, 20, "=B2+C2"])
    ws.append(["South", 5, 7, "=B3+C3"])
    ws.column_dimensions["A"].width = 20
    wb.create_sheet("Notes")["A1"] = "kept as it is"
    wb.defined_names["totals"] = DefinedName("totals", attr_text="Sales!$D$2:$D$3")
    wb.save(path)
    return path


def xlsxwriter_book(path: Path) -> Path:
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Data")
    ws.write_row(0, 0, ["客户ID", "金额"])
    ws.write_row(1, 0, [1, 99.5])
    ws.write_formula(2, 1, "=SUM(B2:B2)", None, 99.5)
    ws.data_validation("A2:A10", {"validate": "integer", "criteria": ">", "value": 0})
    wb.define_name("amounts", "=Data!$B$2:$B$3")
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": "=Data!$B$2:$B$3"})
    ws.insert_chart("D2", chart)
    wb.close()
    return path


def run(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.mark.parametrize("make", [openpyxl_book, xlsxwriter_book])
def test_init_adds_the_sheets_and_leaves_every_other_part_as_it_was(tmp_path, make):
    path = make(tmp_path / "theirs.xlsx")
    before = raw_parts(path)
    names_before = openpyxl.load_workbook(path).sheetnames
    result = run("excel", "init", str(path), "--template", "ecommerce", "--json", "-", "-q")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sheets"] == [CONF_SHEET, EXAMPLES_SHEET, SETTINGS_SHEET]
    after = raw_parts(path)
    kept = {n: b for n, b in before.items() if n not in CHANGED}
    assert {n: after.get(n) for n in kept} == kept  # byte for byte
    assert set(after) - set(before) and set(before) - set(after) == set()
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [*names_before, CONF_SHEET, EXAMPLES_SHEET, SETTINGS_SHEET]
    assert set(wb.defined_names) == set(
        openpyxl.load_workbook(tmp_path / "theirs.xlsx").defined_names
    )
    # xlwings reads keys from A1 down, values beside them (GetConfigFromSheet)
    assert [[c.value for c in r] for r in wb[CONF_SHEET].iter_rows()] == [
        ["UDF Modules", "xl_crm.excel.classic"]
    ]
    settings = [[c.value for c in r] for r in wb[SETTINGS_SHEET].iter_rows()]
    assert settings[1][:2] == ["template", "ecommerce"]
    lines = [r[1] for r in settings if r[0] == "validate_workbook"]
    assert lines == ['RunPython "import xl_crm.excel.classic as crm; crm.validate_workbook()"']
    examples = wb[EXAMPLES_SHEET]
    assert all(c.data_type == "s" for r in examples.iter_rows() for c in r if c.value)


def test_the_macros_read_the_template_init_wrote(tmp_path):
    path = openpyxl_book(tmp_path / "theirs.xlsx")
    assert run("excel", "init", str(path), "-t", "hotel").exit_code == 0
    wb = openpyxl.load_workbook(path)
    sheets = {ws.title: [[c.value for c in r] for r in ws.iter_rows()] for ws in wb.worksheets}
    assert XlwingsBook(xs.book_from_rows(sheets)).template() == "hotel"


def test_init_takes_the_template_that_built_the_workbook(tmp_path):
    path = tmp_path / "shop.xlsx"
    xl_crm.build_workbook("ledger", path, sample=5, seed=1)
    result = run("excel", "init", str(path), "--json", "-", "-q")
    assert json.loads(result.stdout)["template"] == "ledger"
    report = xl_crm.validate(path)  # the added sheets are not taken for data sheets
    assert {s.sheet for s in report.mapping.sheets} <= set(openpyxl.load_workbook(path).sheetnames)
    assert not {EXAMPLES_SHEET, CONF_SHEET, SETTINGS_SHEET} & {
        s.sheet for s in report.mapping.sheets
    }


def test_init_refuses_when_the_sheets_exist_unless_forced_and_leaves_the_file_alone(tmp_path):
    path = openpyxl_book(tmp_path / "theirs.xlsx")
    assert run("excel", "init", str(path)).exit_code == 0
    once = path.read_bytes()
    refused = run("excel", "init", str(path), "--lang", "en")
    assert (
        refused.exit_code == 2 and "xlwings.conf" in refused.output and "--force" in refused.output
    )
    assert path.read_bytes() == once
    assert run("excel", "init", str(path), "-t", "car_sales", "--force").exit_code == 0
    settings = openpyxl.load_workbook(path)[SETTINGS_SHEET]
    assert settings["B2"].value == "car_sales"
    assert openpyxl.load_workbook(path).sheetnames.count(CONF_SHEET) == 1


def test_init_refuses_an_unknown_template_before_writing(tmp_path):
    path = openpyxl_book(tmp_path / "theirs.xlsx")
    before = path.read_bytes()
    result = run("excel", "init", str(path), "-t", "no_such")
    assert result.exit_code == 2 and path.read_bytes() == before


@pytest.mark.libreoffice
def test_libreoffice_opens_the_workbook_init_wrote(tmp_path):
    path = openpyxl_book(tmp_path / "theirs.xlsx")
    assert run("excel", "init", str(path), "-t", "ecommerce").exit_code == 0
    rows = convert_to_csv(path, tmp_path, sheet=3)  # Sales, Notes, xlwings.conf
    assert rows[0][:2] == ["UDF Modules", "xl_crm.excel.classic"]
    assert convert_to_csv(path, tmp_path / "a", sheet=1)[1] == ["North", "10", "20", "30"]


def test_every_function_has_an_example_and_it_runs():
    assert set(functions.__all__) <= set(EXAMPLES)
    from xl_crm.excel.starter import example_columns

    columns = example_columns(functions)
    results = list(columns[2].values)[: len(functions.__all__)]
    assert not [r for r in results if isinstance(r, str) and r.startswith("#")]
    assert list(columns[0].values)[: len(functions.__all__)] == [
        n.upper() for n in functions.__all__
    ]


def test_lite_prints_main_py_and_requirements(tmp_path):
    result = run("excel", "lite")
    assert result.exit_code == 0
    assert "from xl_crm.excel.lite import *" in result.stdout
    assert f"xlwings=={XLWINGS_VERSION}" in result.stdout
    assert f"xl-crm=={xl_crm.__version__}" in result.stdout


def test_lite_writes_files_whose_main_py_imports_the_lite_names(tmp_path):
    out = tmp_path / "lite"
    assert run("excel", "lite", "--out", str(out), "-q").exit_code == 0
    main = (out / "main.py").read_text(encoding="utf-8")
    compile(main, "main.py", "exec")
    lines = (out / "requirements.txt").read_text(encoding="utf-8").splitlines()
    requirements = [line for line in lines if line and not line.startswith("#")]
    assert requirements == [f"xlwings=={XLWINGS_VERSION}", f"xl-crm=={xl_crm.__version__}"]
    probe = (
        "import json, runpy; ns = runpy.run_path('main.py'); "
        "print(json.dumps(sorted(n for n in ns if not n.startswith('__'))))"
    )
    here = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's xl_crm, as in-process
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=out,
        env=here,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == sorted(lite.__all__)
    again = run("excel", "lite", "--out", str(out))
    assert again.exit_code == 2 and "--force" in again.output
    assert run("excel", "lite", "--out", str(out), "--force").exit_code == 0


def test_lite_names_the_running_version_and_says_how_to_use_a_wheel_url(tmp_path):
    text = lite_files("9.9.9")["requirements.txt"]
    assert "xl-crm==9.9.9" in text.splitlines() and "PyPI" in text and ".whl" in text
    url = "https://files.example.com/xl_crm-9.9.9-py3-none-any.whl"
    lines = [x for x in lite_files("9.9.9", url)["requirements.txt"].splitlines() if x[:1] != "#"]
    assert lines == [f"xlwings=={XLWINGS_VERSION}", url]
    result = run("excel", "lite", "--wheel", url, "--lang", "en")
    assert result.exit_code == 0 and url in result.stdout
    refused = run("excel", "lite", "--wheel", "git+https://example.com/xl-crm.git")
    assert refused.exit_code == 2 and ".whl" in refused.output


def test_lite_out_creates_a_folder_only_inside_one_that_exists(tmp_path):
    deep = tmp_path / "no" / "such" / "lite"
    refused = run("excel", "lite", "--out", str(deep), "--lang", "en")
    assert refused.exit_code == 2 and "does not exist" in refused.output
    assert not (tmp_path / "no").exists()
    made = run("excel", "lite", "--out", str(tmp_path / "lite"), "--lang", "en")
    assert made.exit_code == 0 and "created the folder" in made.output
    assert (tmp_path / "lite" / "main.py").is_file()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_init_says_what_it_added_and_what_to_do_next_in_the_chosen_language(tmp_path, lang):
    path = openpyxl_book(tmp_path / "theirs.xlsx")
    result = run("excel", "init", str(path), "--lang", lang)
    assert result.exit_code == 0
    if lang == "en":
        assert "Added xlwings.conf" in result.output and "No template named" in result.output
        assert "template row of the xl-crm sheet" in result.output
    else:
        assert "已向" in result.output and "未指定模板" in result.output
    named = run("excel", "init", str(path), "-t", "hotel", "--force", "--lang", "en")
    assert "The macros use the template hotel" in named.output


def test_the_examples_work_in_any_workbook_and_show_results_as_excel_does():
    from xl_crm.excel.starter import example_columns

    columns = example_columns(functions)
    n = len(functions.__all__)
    formulas = list(columns[1].values)[:n]
    results = dict(zip(list(columns[0].values)[:n], list(columns[2].values)[:n], strict=True))
    assert not [f for f in formulas if "!" in f]  # no sheet the workbook may not have
    assert results["CRM_PURCHASE_FREQUENCY"] == "{2;1;0}"
    assert results["CRM_IS_VALID_PHONE"] == "TRUE"
    assert results["CRM_LAST_PURCHASE"] == '{"2026-05-01 10:00";"2026-01-15";""}'
    assert not [r for r in results.values() if "[" in str(r) or "datetime" in str(r)]


def shop_book(path: Path) -> Path:
    """An e-commerce workbook made by hand (not by xl-crm): the ecommerce template's headers
    on sheets of its own naming, no xl-crm marker."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["客户ID", "姓名", "电子邮件", "手机号码", "兴趣类别"])
    ws.append(["C001", "王芳", "wang@example.com", "13812345678", "服饰"])
    orders = wb.create_sheet("订单")
    orders.append(["订单编号", "客户ID", "下单时间", "金额", "渠道"])
    orders.append(["A-1", "C001", "2026-05-01", 199, "天猫"])
    wb.save(path)
    return path


def test_init_warns_when_the_sheets_follow_another_templates_headers(tmp_path):
    path = shop_book(tmp_path / "shop.xlsx")
    result = run("excel", "init", str(path), "-t", "hotel", "--lang", "en")
    assert result.exit_code == 0, result.output  # warned, and set up all the same
    text = " ".join(result.output.split())
    assert "warning: the workbook's sheets do not match the headers of the template hotel" in text
    assert "sheets matching none of its sheets: 订单" in text
    assert "its sheets not in the workbook: Stays" in text
    assert "They look like the template ecommerce (2 of them match it)" in text
    assert "run again with --template ecommerce --force" in text
    assert "Booking ID, Customer ID" in text  # what hotel's sheets must say, to keep it
    assert openpyxl.load_workbook(path)[SETTINGS_SHEET]["B2"].value == "hotel"
    again = run("excel", "init", str(path), "-t", "hotel", "--force", "--json", "-", "-q")
    fit = json.loads(again.stdout)["headers"]
    assert {k: fit[k] for k in ("template", "unmatched", "missing", "looks_like")} == {
        "template": "hotel",
        "unmatched": ["订单"],
        "missing": ["入住记录 / Stays"],
        "looks_like": "ecommerce",
    }
    assert "与模板 hotel 的表头不符" in fit["zh"] and "更像模板 ecommerce" in fit["zh"]
    named = run("excel", "init", str(path), "-t", "ecommerce", "--force", "--json", "-", "-q")
    assert json.loads(named.stdout)["headers"] is None


def test_init_warns_when_no_sheet_matches_the_template_and_names_none_it_does_not_fit(tmp_path):
    path = openpyxl_book(tmp_path / "theirs.xlsx")  # Sales and Notes: no CRM sheet at all
    result = run("excel", "init", str(path), "-t", "hotel", "--json", "-", "-q")
    assert result.exit_code == 0
    fit = json.loads(result.stdout)["headers"]
    assert fit["unmatched"] == ["Sales", "Notes"] and fit["looks_like"] is None
    assert fit["missing"] == ["客户 / Guests", "入住记录 / Stays"]


def test_init_on_an_empty_workbook_gives_no_header_warning(tmp_path):
    path = tmp_path / "new.xlsx"
    wb = openpyxl.Workbook()
    wb.create_sheet("Sheet2")["A5"] = "   "  # a blank-looking cell is still empty
    wb.save(path)
    result = run("excel", "init", str(path), "-t", "hotel", "--lang", "en")
    assert result.exit_code == 0 and "warning" not in result.output
    again = run("excel", "init", str(path), "-t", "hotel", "--force", "--json", "-", "-q")
    assert json.loads(again.stdout)["headers"] is None


@pytest.mark.parametrize("template", ["ecommerce", "hotel", "ledger", "car_sales"])
def test_a_workbook_built_by_a_template_fits_it_and_no_other_is_said_to_fit_better(
    tmp_path, template
):
    path = tmp_path / f"{template}.xlsx"
    xl_crm.build_workbook(template, path, sample=3, seed=1)
    result = run("excel", "init", str(path), "--json", "-", "-q")
    assert json.loads(result.stdout)["headers"] is None
