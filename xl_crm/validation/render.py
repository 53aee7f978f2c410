"""Showing a validation report: in the terminal (rich) and as one HTML page."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from xl_crm.validation.report import Report
from xl_crm.validation.rules import RULES
from xl_crm.view.matching import BookMapping, SheetMapping

WORDS = {
    "zh": {
        "title": "校验报告",
        "file": "文件",
        "template": "模板",
        "errors": "错误",
        "warnings": "警告",
        "score": "数据质量分",
        "rows": "行",
        "rule": "规则",
        "field": "字段",
        "count": "数量",
        "cell": "单元格",
        "value": "值",
        "message": "说明",
        "hint": "修改建议",
        "more": "另有 {n:,} 条，见 --json / --csv / --html 输出",
        "ok": "未发现错误",
        "by_rule": "按规则",
        "by_field": "按字段",
        "by_band": "按行段",
        "filter": "筛选…",
        "severity": "级别",
        "blank": "{sheet}：跳过 {n:,} 个空行",
        "coerced": "{sheet}：按列类型读取的单元格：{what}",
        "mapping": "表格映射（工作表 → 模板表，列 → 字段）",
        "by_headers": "按表头匹配",
        "by_option": "由 --sheet 指定",
        "header_rows": "表头行",
        "match": "匹配度",
        "unmapped": "未映射的列",
        "missing_sheets": "缺少的工作表",
        "unused_sheets": "未使用的工作表",
        "none": "无",
    },
    "en": {
        "title": "Validation report",
        "file": "File",
        "template": "Template",
        "errors": "errors",
        "warnings": "warnings",
        "score": "data-quality score",
        "rows": "rows",
        "rule": "rule",
        "field": "field",
        "count": "count",
        "cell": "cell",
        "value": "value",
        "message": "message",
        "hint": "how to fix",
        "more": "{n:,} more: see the --json / --csv / --html output",
        "ok": "no errors found",
        "by_rule": "By rule",
        "by_field": "By field",
        "by_band": "By row band",
        "filter": "Filter…",
        "severity": "severity",
        "blank": "{sheet}: {n:,} blank rows skipped",
        "coerced": "{sheet}: cells read as their column's type: {what}",
        "mapping": "Mapping (sheet → template sheet, column → field)",
        "by_headers": "matched by headers",
        "by_option": "named with --sheet",
        "header_rows": "header row",
        "match": "match",
        "unmapped": "unmapped columns",
        "missing_sheets": "missing sheets",
        "unused_sheets": "sheets not used",
        "none": "none",
    },
}


def print_report(report: Report, console: Console, *, lang: str = "zh", limit: int = 20) -> None:
    """The report in the terminal, in ``lang``: the mapping, how sheets were read, the
    counts by rule and field, the first ``limit`` findings and how many more there are."""
    w = WORDS[lang]
    rows = ", ".join(f"{sheet} {n:,} {w['rows']}" for sheet, n in report.rows.items())
    console.print(
        f"[bold]{w['title']}[/]: {report.file} ({w['template']} {report.template}; {rows})",
        highlight=False,
    )
    if report.mapping is not None:
        print_mapping(report.mapping, console, lang=lang)
    print_reading(report, console, lang=lang)
    colour = "green" if report.valid else "red"
    console.print(
        f"[{colour}]{report.errors:,} {w['errors']}[/], {report.warnings:,} {w['warnings']}, "
        f"{w['score']} {report.score:.2f}  ({report.seconds:.1f} s)",
        highlight=False,
    )
    if not report.total:
        console.print(f"[green]{w['ok']}[/]")
        return
    summary = RichTable(w["rule"], w["count"], title=w["by_rule"], title_justify="left")
    for slug, n in report.counts_by_rule().items():
        title = RULES[slug].title[0 if lang == "zh" else 1]
        summary.add_row(f"{slug} ({title})", f"{n:,}")
    console.print(summary)
    fields = RichTable(w["field"], w["count"], title=w["by_field"], title_justify="left")
    for name, n in list(report.counts_by_field().items())[:10]:
        fields.add_row(name, f"{n:,}")
    console.print(fields)
    table = RichTable(w["cell"], w["severity"], w["rule"], w["value"], w["message"])
    for f in report.findings[:limit]:
        style = "red" if f.severity == "error" else "yellow"
        table.add_row(f.where, f"[{style}]{f.severity}[/]", f.rule, f.value or "", f.message(lang))
    console.print(table)
    shown = min(limit, len(report.findings))
    if report.total > shown:
        console.print(w["more"].format(n=report.total - shown))


def sheet_line(m: SheetMapping, lang: str) -> str:
    """``Sheet1 → 客户台账 (customers); 表头行 2–3; 按表头匹配, 匹配度 83%`` (plain text)."""
    w = WORDS[lang]
    rows = "–".join(str(r) for r in m.header_rows)
    how = w["by_option"] if m.matched_by == "option" else w["by_headers"]
    label = m.label[0] if lang == "zh" else m.label[1]
    return (
        f"{m.sheet} → {label} ({m.template_sheet}); {w['header_rows']} {rows}; "
        f"{how}, {w['match']} {m.score:.0%}"
    )


def column_text(column: str, header: str, field: str | None) -> str:
    """``A 客户名称 → customer_name``; an unmapped column is ``H 微信``."""
    head = " ".join(header.split())  # line breaks in a header shown as spaces
    return f"{column} {head} → {field}" if field else f"{column} {head}"


def print_mapping(mapping: BookMapping, console: Console, *, lang: str = "zh") -> None:
    """How sheets and columns were matched: the first thing a report shows."""
    w = WORDS[lang]
    console.print(f"[bold]{w['mapping']}[/]", highlight=False)
    for m in mapping.sheets:
        console.print("  " + escape(sheet_line(m, lang)), highlight=False)
        cols = " · ".join(column_text(c.column, c.header, c.field) for c in m.mapped)
        console.print("    " + escape(cols or w["none"]), highlight=False)
        if m.unmapped:
            cols = " · ".join(column_text(c.column, c.header, None) for c in m.unmapped)
            console.print(f"    {w['unmapped']}: " + escape(cols), highlight=False)
    if mapping.missing_sheets:
        names = ", ".join(
            f"{zh if lang == 'zh' else en} ({sid})" for sid, zh, en in mapping.missing_sheets
        )
        console.print(f"  [yellow]{w['missing_sheets']}[/]: " + escape(names), highlight=False)
    if mapping.unused_sheets:
        names = ", ".join(mapping.unused_sheets)
        console.print(f"  {w['unused_sheets']}: " + escape(names), highlight=False)


HOW = {
    "text date": ("文本日期", "text dates"),
    "Excel serial": ("Excel 日期序号", "Excel serial numbers"),
    "text number": ("文本数字", "numbers stored as text"),
    "full-width": ("全角字符", "full-width characters"),
    "yes/no text": ("是/否文字", "yes/no words"),
    "number as yes/no": ("1/0 表示是/否", "1/0 as yes/no"),
}


def print_reading(report: Report, console: Console, *, lang: str = "zh") -> None:
    """One line per sheet on how it was read: blank rows skipped, cells coerced."""
    w = WORDS[lang]
    i = 0 if lang == "zh" else 1
    for sheet, n in report.blank_rows.items():
        console.print(w["blank"].format(sheet=sheet, n=n), highlight=False)
    for sheet, counts in report.coerced.items():
        what = ", ".join(f"{HOW.get(k, (k, k))[i]} {n:,}" for k, n in counts.items())
        console.print(w["coerced"].format(sheet=sheet, what=what), highlight=False)


def write_html(report: Report, path: Path, *, lang: str = "zh") -> None:
    """Write the HTML report (:func:`xl_crm.validation.html.render_html`) to ``path``."""
    from xl_crm.validation.html import render_html

    path.write_text(render_html(report, lang=lang), encoding="utf-8")
