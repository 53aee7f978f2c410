"""The rule catalogue: every finding's slug, default severity, message and fix, zh and en.

Messages are ``str.format`` templates over: ``header`` (the column as written in the
sheet), ``value`` (shown masked with --mask), ``limit``, ``choices``, ``other`` (the other
cell of a duplicate or the missing key), ``rule`` (a row rule's own message), ``sheet``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Rule:
    slug: str
    severity: Severity
    title: tuple[str, str]
    message: tuple[str, str]
    hint: tuple[str, str]
    example: str


RULES: dict[str, Rule] = {
    r.slug: r
    for r in (
        Rule(
            "missing-sheet",
            "warning",
            ("缺少工作表", "Missing sheet"),
            (
                "工作簿中没有与模板的“{header}”表对应的工作表，未检查",
                "No sheet of the workbook matches the template's sheet '{header}'; "
                "it was not checked",
            ),
            (
                "如果有这张表，其表头应包含 {limit}；或用 --sheet {other}=工作表名 指定",
                "If the workbook has it, its header row should name {limit}; "
                "or name it with --sheet {other}=SHEET",
            ),
            "订单 / Orders: a workbook with customers and no orders yet",
        ),
        Rule(
            "missing-column",
            "error",
            ("缺少必填列", "Missing required column"),
            ("缺少必填列“{header}”", "Required column '{header}' is missing"),
            ("在表头行加上这一列", "Add the column to the header row"),
            "客户!A2: the header row has no 手机号码",
        ),
        Rule(
            "missing-optional-column",
            "warning",
            ("缺少列", "Missing column"),
            ("缺少列“{header}”", "Column '{header}' is missing"),
            ("如需使用该字段，请在表头行加上这一列", "Add the column if you use this field"),
            "客户!A2: the header row has no 兴趣类别",
        ),
        Rule(
            "unknown-column",
            "warning",
            ("未知列", "Unknown column"),
            (
                "列“{header}”不在模板中，未检查",
                "Column '{header}' is not in the template and was not checked",
            ),
            (
                "改为模板中的表头，或在模板中加上该字段",
                "Rename it to a template header, or add the field to the template",
            ),
            "客户!H2: 微信号",
        ),
        Rule(
            "required",
            "error",
            ("必填项为空", "Required value missing"),
            ("“{header}”不能为空", "'{header}' must not be empty"),
            ("填写该单元格", "Fill in the cell"),
            "客户!B17: empty 姓名",
        ),
        Rule(
            "type",
            "error",
            ("类型错误", "Wrong type"),
            (
                "“{header}”应为{limit}，实际为“{value}”",
                "'{header}' must be a {limit}, found '{value}'",
            ),
            ("按该列的类型重新填写", "Re-enter the value as the column's type"),
            "订单!D9: 金额 is 'abc'",
        ),
        Rule(
            "formula-error",
            "error",
            ("公式错误", "Formula error"),
            (
                "“{header}”的公式结果是错误值 {value}",
                "'{header}' holds a formula whose result is the error {value}",
            ),
            (
                "在 Excel 中打开该单元格，修正公式或它引用的单元格",
                "Open the cell in Excel and fix the formula or the cells it refers to",
            ),
            "客户!C3: #N/A",
        ),
        Rule(
            "formula-no-value",
            "error",
            ("公式没有计算结果", "Formula without a computed value"),
            (
                "“{header}”是没有保存计算结果的公式",
                "'{header}' is a formula without a computed value",
            ),
            (
                "用 Excel 或 WPS 打开并保存该文件（会计算公式），或填入数值",
                "Open and save the file in Excel (it computes the formulas), or type the value",
            ),
            "订单!D4: =B4*C4 written by a program, never calculated",
        ),
        Rule(
            "ambiguous-date",
            "warning",
            ("日期顺序不明", "Ambiguous date order"),
            ("“{header}”中的日期{limit}", "Dates in '{header}' {limit}"),
            (
                "把日期改写为 2026-04-12 这样的年-月-日格式，或在模板中设置 date_order",
                "Write the dates as year-month-day (2026-04-12), or set date_order in the template",
            ),
            "入住记录!C1: 12/04/2026 could be 12 April or 4 December",
        ),
        Rule(
            "not-integer",
            "error",
            ("不是整数", "Not a whole number"),
            (
                "“{header}”应为整数，实际为 {value}",
                "'{header}' must be a whole number, found {value}",
            ),
            ("去掉小数部分", "Remove the decimals"),
            "客户!F5: 购买频率 is 2.5",
        ),
        Rule(
            "out-of-range",
            "error",
            ("超出范围", "Out of range"),
            ("“{header}”应{limit}，实际为 {value}", "'{header}' must be {limit}, found {value}"),
            ("检查数值是否录入错误", "Check the value for a typing mistake"),
            "订单!D12: 金额 is -5",
        ),
        Rule(
            "too-long",
            "error",
            ("超出长度", "Too long"),
            (
                "“{header}”最多 {limit} 个字符，实际 {other} 个",
                "'{header}' takes at most {limit} characters, found {other}",
            ),
            ("缩短内容", "Shorten the text"),
            "客户!B8: 姓名 has 61 characters",
        ),
        Rule(
            "choice",
            "error",
            ("不在可选值中", "Not an allowed value"),
            (
                "“{header}”的值“{value}”不在可选值中：{choices}",
                "'{header}' value '{value}' is not one of: {choices}",
            ),
            ("从下拉列表中选择", "Pick a value from the dropdown"),
            "订单!F3: 渠道 is '淘宝'",
        ),
        Rule(
            "duplicate",
            "error",
            ("重复值", "Duplicate value"),
            (
                "“{header}”的值“{value}”重复（另见 {other}）",
                "'{header}' value '{value}' is a duplicate (see also {other})",
            ),
            ("保留一行，或更正重复的值", "Keep one row, or correct the repeated value"),
            "客户!D9: 手机号码 13812345678 also in D3",
        ),
        Rule(
            "duplicate-key",
            "error",
            ("组合键重复", "Duplicate composite key"),
            (
                "{header} 的组合“{value}”重复（另见第 {other} 行）",
                "The combination {header} = '{value}' is a duplicate (see also row {other})",
            ),
            ("保留一行，或更正重复的值", "Keep one row, or correct the repeated values"),
            "客户台账!B7: 客户名称 + 公司名称 also in row 4",
        ),
        Rule(
            "duplicate-row",
            "warning",
            ("重复行", "Duplicate row"),
            (
                "这一行与第 {other} 行完全相同（每一列都一样）",
                "This row is an exact copy of row {other} (every column the same)",
            ),
            (
                "确认是否重复录入；如是，删除其中一行",
                "Check whether it was entered twice; if so, delete one of them",
            ),
            "订单!A9: same customer, time, amount and channel as row 4",
        ),
        Rule(
            "email",
            "error",
            ("邮箱格式错误", "Invalid e-mail"),
            (
                "“{header}”的值“{value}”不是有效的邮箱地址：{limit}",
                "'{header}' value '{value}' is not a valid e-mail address: {limit}",
            ),
            ("改为 name@example.com 这样的地址", "Use an address like name@example.com"),
            "客户!C4: wang.fang#qq.com",
        ),
        Rule(
            "phone",
            "error",
            ("电话号码无效", "Invalid phone number"),
            (
                "“{header}”的值“{value}”不是有效的电话号码",
                "'{header}' value '{value}' is not a valid phone number",
            ),
            (
                "手机号为11位，座机请带区号；可带 +86、空格或短横线",
                "Mobiles have 11 digits; "
                "landlines need the area code; +86, spaces and dashes are fine",
            ),
            "客户!D6: 1381234567",
        ),
        Rule(
            "resident-id",
            "error",
            ("身份证号无效", "Invalid resident ID"),
            (
                "“{header}”的值“{value}”不是有效的公民身份号码：{limit}",
                "'{header}' value '{value}' is not a valid resident ID: {limit}",
            ),
            ("核对18位号码（末位校验码可能为 X）", "Check the 18 characters (the last may be X)"),
            "客户台账!H3: wrong check character",
        ),
        Rule(
            "uscc",
            "error",
            ("统一社会信用代码无效", "Invalid credit code"),
            (
                "“{header}”的值“{value}”不是有效的统一社会信用代码：{limit}",
                "'{header}' value '{value}' is not a valid unified social credit code: {limit}",
            ),
            ("核对18位代码", "Check the 18 characters"),
            "客户台账!I3: wrong check character",
        ),
        Rule(
            "url",
            "error",
            ("网址无效", "Invalid web address"),
            (
                "“{header}”的值“{value}”不是有效的网址",
                "'{header}' value '{value}' is not a valid web address",
            ),
            ("以 http:// 或 https:// 开头", "Start with http:// or https://"),
            "客户!K2: www example com",
        ),
        Rule(
            "damaged-id",
            "error",
            ("编号已被破坏", "Damaged identifier"),
            (
                "“{header}”的值“{value}”已被表格软件改坏：{limit}",
                "'{header}' value '{value}' was damaged by a spreadsheet program: {limit}",
            ),
            (
                "把该列设为文本格式后重新录入原始号码",
                "Format the column as Text and re-enter the original number",
            ),
            "客户!D5: 1.38E+10",
        ),
        Rule(
            "row-rule",
            "error",
            ("行规则不满足", "Row rule failed"),
            ("{rule}（{value}）", "{rule} ({value})"),
            ("核对这一行的相关字段", "Check the related fields of this row"),
            "入住记录!F8: 退房时间 before 入住时间",
        ),
        Rule(
            "reference",
            "error",
            ("引用不存在", "Unknown reference"),
            (
                "“{header}”的值“{value}”在“{sheet}”中不存在",
                "'{header}' value '{value}' does not exist on sheet '{sheet}'",
            ),
            (
                "先在被引用的表中添加该记录，或更正编号",
                "Add the record to that sheet first, or correct the value",
            ),
            "订单!B7: customer 100999 not among 客户",
        ),
        Rule(
            "check-failed",
            "error",
            ("检查未能完成", "Check could not run"),
            (
                "“{header}”的检查 {rule} 未能完成，未经此项检查：{limit}",
                "Check {rule} of '{header}' could not run, so it was not checked: {limit}",
            ),
            (
                "请把这条信息报告给 xl-crm 开发者，并手工核对这些单元格",
                "Report this message to the xl-crm developers and check these cells by hand",
            ),
            "客户台账!H2: resident-id raised ValueError",
        ),
    )
}


def rule(slug: str) -> Rule:
    return RULES[slug]
