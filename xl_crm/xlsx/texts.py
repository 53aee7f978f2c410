"""Words a built workbook shows, in Chinese and English."""

from __future__ import annotations

from xl_crm.specs.model import FieldSpec, Lang

TYPE_LABELS: dict[str, tuple[str, str]] = {
    "text": ("文本", "text"),
    "integer": ("整数", "whole number"),
    "decimal": ("数字", "number"),
    "money": ("金额", "amount"),
    "date": ("日期", "date"),
    "datetime": ("日期时间", "date and time"),
    "boolean": ("是/否", "yes/no"),
    "email": ("电子邮件", "e-mail"),
    "phone": ("电话号码", "phone number"),
    "cn_resident_id": ("身份证号", "resident ID"),
    "uscc": ("统一社会信用代码", "credit code"),
    "url": ("网址", "web address"),
    "choice": ("单选", "one of a list"),
    "multi_choice": ("多选", "several of a list"),
}

TEXTS: dict[str, tuple[str, str]] = {
    "instructions": ("填写说明", "Instructions"),
    "how_to": (
        "1. 每个工作表是一张表，第一行（或分组行下方）是表头，请勿修改表头文字。\n"
        "2. 带下拉箭头的列请从列表中选择；把鼠标停在表头上可查看字段说明。\n"
        "3. 深蓝色表头为必填字段；灰色表头为自动计算列，已锁定，由 xl-crm compute 填写。\n"
        "4. 重复的编号会标红；已过期的跟进日期会标橙。\n"
        "5. 运行 xl-crm validate 可检查全部数据并定位到具体单元格。",
        "1. Each sheet is one table; the header row (below the group band, if any) must not be"
        " renamed.\n"
        "2. Columns with a dropdown take a value from the list; hover over a header for help.\n"
        "3. Dark blue headers are required; grey headers are computed columns, locked and filled"
        " by xl-crm compute.\n"
        "4. Duplicate keys turn red; overdue follow-up dates turn orange.\n"
        "5. Run xl-crm validate to check every cell and get a report pointing at each problem.",
    ),
    "dictionary_headers": (
        "列|字段(中文)|字段(英文)|类型|必填|唯一|最大长度|可选值|说明|分组|别名",
        "Column|Field (zh)|Field (en)|Type|Required|Unique|Max length|Choices|Help|Group|Aliases",
    ),
    "yes": ("是", "yes"),
    "required": ("必填", "required"),
    "unique": ("唯一", "unique"),
    "computed": ("自动计算，请勿手工填写", "computed: do not type here"),
    "max_len": ("最多{n}个字符", "at most {n} characters"),
    "choose": ("从下拉列表中选择", "pick from the dropdown"),
    "several": ("可填多个，用“{sep}”分隔：{values}", "one or more, separated by '{sep}': {values}"),
    "invalid_value": ("输入无效", "Invalid value"),
    "default": ("默认：{value}", "default: {value}"),
    "error_choice": ("“{header}”只能从下拉列表中选择。", "{header}: pick a value from the list."),
    "error_fixed": ("“{header}”应为{n}位{kind}。", "{header} must be a {n}-character {kind}."),
    "error_length": ("“{header}”最多{n}个字符。", "{header} takes at most {n} characters."),
    "error_type": ("“{header}”应为{kind}。", "{header} must be a {kind}."),
}


def t(key: str, lang: Lang) -> str:
    zh, en = TEXTS[key]
    return zh if lang == "zh" else en


def describe_field(f: FieldSpec, lang: Lang, *, both: bool = False, short: bool = False) -> str:
    """A field's help: type, required/unique, length, choices and its help text."""
    kind = TYPE_LABELS[f.type][0 if lang == "zh" else 1]
    parts = [kind]
    if f.required:
        parts.append(t("required", lang))
    if f.unique:
        parts.append(t("unique", lang))
    if f.effective_max_length and f.ftype.storage == "text" and not f.ftype.fixed_length:
        parts.append(t("max_len", lang).format(n=f.effective_max_length))
    sep = "，" if lang == "zh" else ", "
    lines = []
    if both:
        other = "en" if lang == "zh" else "zh"
        lines.append(f"{f.header(lang)} / {f.header(other)}")
    if not short:
        lines.append(sep.join(parts))
    if f.computed:
        lines.append(t("computed", lang))
    elif f.type == "choice" and not short:
        lines.append(t("choose", lang))
    elif f.type == "multi_choice":
        values = (
            "、".join(f.choice_labels(lang)) if lang == "zh" else ", ".join(f.choice_labels(lang))
        )
        lines.append(t("several", lang).format(sep=f.separator, values=values))
    if f.default is not None and not short:
        lines.append(t("default", lang).format(value=_default_text(f, lang)))
    if f.help:
        lines.append(f.help.get(lang))
    return "\n".join(lines)


def _default_text(f: FieldSpec, lang: Lang) -> str:
    for choice in f.choices:
        if str(f.default) in (choice.value, choice.zh, choice.en):
            return choice.label(lang)
    return str(f.default)
