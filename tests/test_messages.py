"""Messages in the user's language (issue 8, section 6).

- every error xl-crm raises carries a Chinese and an English text (checked on the source);
- the same broken file is described the same way by validate, compute and template infer,
  in Chinese with --lang zh (the default) and in English with --lang en;
- a report with an error never shows a data-quality score of 100.00;
- ``template check`` reports every problem of a spec, not just the first.
"""

from __future__ import annotations

import ast
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from tests.zipparts import replace_parts
from xl_crm import validate
from xl_crm.cli.app import app
from xl_crm.errors import SpecError, WorkbookError, error_classes
from xl_crm.specs import load_spec

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")
#: every error class whose first argument is its message (MissingExtraError takes names)
ERRORS = {c.__name__ for c in error_classes()} - {"MissingExtraError", "CustomerKeyError"}
runner = CliRunner()


def _plain_text(node: ast.AST) -> bool:
    """A message written in one language only: a str literal or f-string (or a sum)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _plain_text(node.left) or _plain_text(node.right)
    return False


def test_every_raise_site_has_zh_and_en_texts():
    """Every error constructed in xl_crm gives (zh, en) for its message and fix, and every
    spec check yields (zh, en): a plain string would show English to a zh user."""
    one_language = []
    for path in sorted((ROOT / "xl_crm").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                texts: list[ast.AST] = []
                if name in ERRORS:
                    texts = node.args[:1] + [
                        k.value for k in node.keywords if k.arg in ("hint", "expected")
                    ]
                elif name == "SpecProblem":
                    texts = node.args[3:4]
                one_language += [f"{where}:{node.lineno}" for t in texts if _plain_text(t)]
            if path.name == "checks.py" and isinstance(node, ast.Yield):
                value = node.value
                pair = isinstance(value, ast.Tuple) and len(value.elts) == 2
                if pair and _plain_text(value.elts[1]):
                    one_language.append(f"{where}:{node.lineno}")
    assert one_language == []


def test_error_text_in_both_languages():
    exc = WorkbookError(
        ("找不到文件", "file not found"),
        file="a.xlsx",
        sheet="客户",
        cell="B2",
        hint=("检查", "check"),
    )
    assert exc.text("zh") == "a.xlsx: 客户!B2: 找不到文件\n  修改: 检查"
    assert exc.text("en") == str(exc) == "a.xlsx: 客户!B2: file not found\n  fix: check"
    assert exc.located("b.xlsx", "x").text("zh") == exc.text("zh")
    moved = WorkbookError(("太早", "too early"), cell="C3", hint=("写成文本", "write as text"))
    assert moved.located("b.xlsx", "订单").text("zh") == "b.xlsx: 订单!C3: 太早\n  修改: 写成文本"


# -- one broken file, every command -------------------------------------------------------


def _not_zip(path: Path) -> None:
    path.write_text("this is not a workbook", encoding="utf-8")


def _encrypted(path: Path) -> None:
    path.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 512)


def _no_content_types(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")


def _damaged_part(path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "客户"
    wb.active.append(["客户ID", "姓名"])
    wb.create_sheet("订单").append(["订单号", "客户ID"])
    wb.save(path)
    replace_parts(path, {"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row><c r="})


BROKEN = {
    "missing": None,
    "not-a-zip": _not_zip,
    "encrypted": _encrypted,
    "no-content-types": _no_content_types,
}


def _run(args: list[str]) -> tuple[int, str]:
    result = runner.invoke(app, args)
    assert "Traceback" not in result.output
    return result.exit_code, result.output.strip()


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_one_broken_file_is_described_the_same_by_every_command(tmp_path, kind):
    book = tmp_path / "客户.xlsx"
    if BROKEN[kind] is not None:
        BROKEN[kind](book)
    before = book.read_bytes() if book.exists() else None
    for lang in ("zh", "en"):
        outputs = {
            "validate": _run(["validate", str(book), "--template", "ecommerce", "--lang", lang]),
            "compute": _run(["compute", str(book), "--template", "ecommerce", "--lang", lang]),
            "infer": _run(["template", "infer", str(book), "--lang", lang]),
        }
        assert len(set(outputs.values())) == 1, outputs
        code, text = outputs["validate"]
        assert code == 2
        assert str(book) in text
        body = text.replace(str(book), "")
        if lang == "zh":
            assert text.startswith("错误:") and "修改:" in text and CJK.search(body)
        else:
            assert text.startswith("error:") and "fix:" in text and not CJK.search(body)
    assert (book.read_bytes() if book.exists() else None) == before  # never touched


def test_infer_reports_a_damaged_sheet_instead_of_a_traceback(tmp_path):
    book = tmp_path / "book.xlsx"
    _damaged_part(book)
    for lang, word in (("zh", "工作簿已损坏，无法读取"), ("en", "the workbook is damaged")):
        code, text = _run(["template", "infer", str(book), "--lang", lang])
        assert code == 2 and f"{book}: {word}" in text


def test_default_language_is_chinese_and_english_on_request(tmp_path):
    missing = tmp_path / "nope.xlsx"
    assert _run(["validate", str(missing)]) == (2, f"错误: {missing}: 找不到文件\n  修改: 检查路径")
    assert _run(["validate", str(missing), "--lang", "en"]) == (
        2,
        f"error: {missing}: file not found\n  fix: check the path",
    )


# -- no score of 100.00 beside an error ---------------------------------------------------

SPEC = """\
spec_version: 1
name: people
title: {zh: 人员, en: People}
sheets:
  - id: people
    label: {zh: 人员, en: People}
    key: num
    fields:
      - {id: num, label: {zh: 编号, en: Number}, type: text}
      - {id: name, label: {zh: 姓名, en: Name}, type: text, required: true}
      - {id: mail, label: {zh: 邮箱, en: E-mail}, type: email}
"""


def _people(tmp_path: Path, header: list[str], rows: list[list]) -> tuple[Path, Path]:
    spec = tmp_path / "people.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    book = tmp_path / "people.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "人员"
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(book)
    return book, spec


def test_missing_required_column_lowers_the_score(tmp_path):
    book, spec = _people(tmp_path, ["编号", "邮箱"], [[f"N{i}", f"u{i}@qq.com"] for i in range(50)])
    report = validate(book, template=spec)
    assert [f.rule for f in report.findings] == ["missing-column"]
    assert report.errors == 1 and report.score < 100
    assert report.score == pytest.approx(100 * 100 / 150, abs=0.01)  # 100 cells + 50 unchecked
    for lang in ("zh", "en"):
        result = runner.invoke(app, ["validate", str(book), "-t", str(spec), "--lang", lang])
        assert result.exit_code == 1
        assert "100.00" not in result.output


def test_one_bad_cell_among_many_never_rounds_up_to_100(tmp_path):
    rows = [[f"N{i}", f"名{i}", f"u{i}@qq.com"] for i in range(4000)]
    rows[1234][2] = "not-an-address"
    book, spec = _people(tmp_path, ["编号", "姓名", "邮箱"], rows)
    report = validate(book, template=spec)
    assert report.errors == 1
    assert report.score == 99.99  # 11,999 of 12,000 cells: 99.9917 rounded down
    assert (
        validate(_people(tmp_path, ["编号", "姓名", "邮箱"], rows[:1])[0], template=spec).score
        == 100
    )


# -- template check: every problem ----------------------------------------------------------

MANY = """\
spec_version: 1
name: multi
title: {zh: 多问题, en: Many problems}
sheets:
  - id: people
    label: {zh: 人员, en: People}
    key: pid
    fields:
      - id: pid
        label: {zh: 编号, en: ID}
        type: text
      - id: kind
        label: {zh: 类型, en: Kind}
        type: choise
      - id: age
        label: {zh: 年龄, en: Age}
        type: integer
        max_length: 3
        max_length: 4
      - id: team
        label: {zh: 团队, en: Team}
        type: text
        requird: true
    references:
      - {field: team, to: teams.id}
    rules:
      - id: adult
        check: age >= 18 and heigth > 0
"""

EXPECTED = [
    (19, "duplicate key 'max_length'", "键 'max_length' 重复"),
    (14, "unknown field type 'choise'; did you mean 'choice'?", "未知字段类型 'choise'"),
    (23, "unknown key 'requird'", "未知的键 'requird'"),
    (18, "max_length applies to text types, not integer", "max_length 只适用于文本类型"),
    (25, "reference to a missing sheet 'teams'", "引用了不存在的工作表 'teams'"),
    (28, "'heigth' is not a field of sheet 'people'", "'heigth' 不是工作表 'people' 的字段"),
]


def test_template_check_reports_every_problem(tmp_path):
    path = tmp_path / "multi.yaml"
    path.write_text(MANY, encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    problems = info.value.problems
    assert len(problems) == len(EXPECTED)
    for (line, en, zh), p in zip(EXPECTED, problems, strict=True):
        assert p.line == line and en in p.message and zh in p.describe("zh")
    # a problem that only follows from a part left out (field 'team') is not repeated
    assert not any("'team' is not a field" in p.message for p in problems)
    for lang, col in (("en", 1), ("zh", 2)):
        result = runner.invoke(app, ["template", "check", str(path), "--lang", lang])
        assert result.exit_code == 1
        lines = result.output.strip().splitlines()
        head = "template spec has 6 problems:" if lang == "en" else "模板规格有 6 处问题:"
        assert lines[0] == head
        *found, fix = lines[1:]
        for (line, *texts), out in zip(EXPECTED, found, strict=True):
            assert out.startswith(f"  {path}:{line} ") and texts[col - 1] in out
        assert fix.startswith("  fix: " if lang == "en" else "  修改: ")


def test_a_broken_spec_is_reported_in_the_users_language_by_validate(tmp_path):
    path = tmp_path / "multi.yaml"
    path.write_text(MANY, encoding="utf-8")
    book, _ = _people(tmp_path, ["编号"], [["N1"]])
    zh = runner.invoke(app, ["validate", str(book), "-t", str(path)])
    en = runner.invoke(app, ["validate", str(book), "-t", str(path), "--lang", "en"])
    assert zh.exit_code == en.exit_code == 2
    assert "模板规格有 6 处问题" in zh.output and "template spec has 6 problems" in en.output
