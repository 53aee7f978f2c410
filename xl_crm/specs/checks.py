"""How the parts of a spec fit together: keys, references, groups, rules, segments.

Each check yields ``(path, (zh, en))`` where ``path`` points into the spec's YAML
(``("sheets", 0, "references", 1, "to")``) so the loader can name the file and line, and
the message is given in both languages (the CLI shows the one of ``--lang``).
"""

from __future__ import annotations

from collections.abc import Iterator

from xl_crm.fields.types import FIELD_TYPES
from xl_crm.specs.expressions import ExpressionError, parse_expression
from xl_crm.specs.metrics import METRICS
from xl_crm.specs.model import SheetSpec, Spec
from xl_crm.view.matching import normalise_header

Path = tuple[str | int, ...]
Problem = tuple[Path, tuple[str, str]]

_BAD_SHEET_CHARS = set("[]:*?/\\")
CHOICE_TYPES = {"choice", "multi_choice"}


def check_spec(spec: Spec) -> list[Problem]:
    """Every problem found in how the parts of ``spec`` fit together, as ``(path, (zh,
    en))`` pairs (``path`` points into the spec's YAML, e.g. ``("sheets", 0, "key")``);
    empty when it is sound.  Raises nothing: :func:`xl_crm.check_template` checks a file
    and gives a result with file and line."""
    return list(_check_spec(spec))


def _duplicates(values: list[str]) -> list[tuple[int, str]]:
    seen: set[str] = set()
    out = []
    for i, v in enumerate(values):
        if v in seen:
            out.append((i, v))
        seen.add(v)
    return out


def _check_spec(spec: Spec) -> Iterator[Problem]:
    for i, sid in _duplicates(spec.sheet_ids()):
        yield ("sheets", i, "id"), (f"工作表 id {sid!r} 重复", f"duplicate sheet id {sid!r}")
    for lang in ("zh", "en"):
        names = [s.label.get(lang).casefold() for s in spec.sheets]
        for i, name in _duplicates(names):
            yield (
                ("sheets", i, "label"),
                (
                    f"两个工作表的名称都是 {name!r}（{lang}）",
                    f"two sheets are labelled {name!r} ({lang})",
                ),
            )
    from xl_crm.validation.rules import RULES

    for slug in spec.severity:
        if slug not in RULES:
            yield (
                ("severity", slug),
                (
                    f"未知规则 {slug!r}（规则：{'、'.join(RULES)}）",
                    f"unknown rule {slug!r} (rules: {', '.join(RULES)})",
                ),
            )
    segment_ids = {s.id for s in spec.segments}
    for si, sheet in enumerate(spec.sheets):
        yield from (((("sheets", si, *p)), m) for p, m in _check_sheet(spec, sheet, segment_ids))
    for gi, seg in enumerate(spec.segments):
        yield from ((("segments", gi, *p), m) for p, m in _check_segment(spec, seg))


def _check_sheet(spec: Spec, sheet: SheetSpec, segment_ids: set[str]) -> Iterator[Problem]:
    for lang in ("zh", "en"):
        title = sheet.label.get(lang)
        if len(title) > 31 or _BAD_SHEET_CHARS & set(title):
            yield (
                ("label", lang),
                (
                    f"Excel 不允许工作表名 {title!r}（最多 31 个字符，不能含 [ ] : * ? / \\）",
                    f"sheet name {title!r} is not allowed in Excel "
                    "(at most 31 characters, none of [ ] : * ? / \\)",
                ),
            )
    ids = sheet.field_ids()
    known = set(ids)
    for i, fid in _duplicates(ids):
        yield (
            ("fields", i, "id"),
            (
                f"工作表 {sheet.id!r} 中字段 id {fid!r} 重复",
                f"duplicate field id {fid!r} in sheet {sheet.id!r}",
            ),
        )
    for lang in ("zh", "en"):
        headers = [normalise_header(f.header(lang)) for f in sheet.fields]
        for i, h in _duplicates(headers):
            yield (
                ("fields", i, "label", lang),
                (
                    f"两个字段的表头都是 {h!r}（{lang}）",
                    f"two fields have the header {h!r} ({lang})",
                ),
            )
    owner: dict[str, str] = {}  # headers compare as the reader compares them
    for f in sheet.fields:
        for name in (f.label.zh, f.label.en, f.id):
            owner.setdefault(normalise_header(name), f.id)
    for fi, f in enumerate(sheet.fields):
        for ai, alias in enumerate(f.aliases):
            other = owner.get(normalise_header(alias))
            if other is not None and other != f.id:
                yield (
                    ("fields", fi, "aliases", ai),
                    (
                        f"{f.id!r} 的别名 {alias!r} 已是字段 {other!r} 的表头",
                        f"alias {alias!r} of {f.id!r} is already the header of field {other!r}",
                    ),
                )
            owner.setdefault(normalise_header(alias), f.id)

    if sheet.key is not None and sheet.key not in known:
        yield (
            ("key",),
            (
                f"主键 {sheet.key!r} 不是工作表 {sheet.id!r} 的字段",
                f"key {sheet.key!r} is not a field of sheet {sheet.id!r}",
            ),
        )
    for ui, combo in enumerate(sheet.unique_together):
        if len(combo) < 2:
            yield (
                ("unique_together", ui),
                ("组合键至少需要两个字段", "a composite key needs at least two fields"),
            )
        for name in combo:
            if name not in known:
                yield ("unique_together", ui), _not_a_field(name, sheet.id)
    for oi, key in enumerate(sheet.sort):
        if key.field not in known:
            yield (
                ("sort", oi, "field"),
                (
                    f"排序字段 {key.field!r} 不是此工作表的字段",
                    f"sort field {key.field!r} is not a field of this sheet",
                ),
            )

    group_ids = [g.id for g in sheet.groups]
    for i, gid in _duplicates(group_ids):
        yield ("groups", i, "id"), (f"分组 id {gid!r} 重复", f"duplicate group id {gid!r}")
    last_seen: dict[str, int] = {}
    for fi, f in enumerate(sheet.fields):
        if f.group is None:
            continue
        if f.group not in group_ids:
            yield (
                ("fields", fi, "group"),
                (
                    f"分组 {f.group!r} 没有在工作表的 groups 中声明",
                    f"group {f.group!r} is not declared in the sheet's groups",
                ),
            )
        elif f.group in last_seen and last_seen[f.group] != fi - 1:
            yield (
                ("fields", fi, "group"),
                (
                    f"分组 {f.group!r} 的字段必须相邻",
                    f"fields of group {f.group!r} must be next to each other",
                ),
            )
        last_seen[f.group] = fi

    for fi, f in enumerate(sheet.fields):
        yield from ((("fields", fi, *p), m) for p, m in _check_field(f, segment_ids))

    for ri, ref in enumerate(sheet.references):
        if ref.field not in known:
            yield ("references", ri, "field"), _not_a_field(ref.field)
        if ref.sheet not in spec.sheet_ids():
            yield (
                ("references", ri, "to"),
                (
                    f"引用了不存在的工作表 {ref.sheet!r}（工作表：{'、'.join(spec.sheet_ids())}）",
                    f"reference to a missing sheet {ref.sheet!r} "
                    f"(sheets: {', '.join(spec.sheet_ids())})",
                ),
            )
            continue
        target = spec.sheet(ref.sheet)
        if ref.target_field not in target.field_ids():
            yield (
                ("references", ri, "to"),
                (
                    f"工作表 {ref.sheet!r} 没有字段 {ref.target_field!r}",
                    f"sheet {ref.sheet!r} has no field {ref.target_field!r}",
                ),
            )
        elif target.key != ref.target_field and not target.field(ref.target_field).unique:
            yield (
                ("references", ri, "to"),
                (
                    f"{ref.to!r} 既不是工作表 {ref.sheet!r} 的主键，也不是唯一字段",
                    f"{ref.to!r} is neither the key nor a unique field of sheet {ref.sheet!r}",
                ),
            )

    for ri, rule in enumerate(sheet.rules):
        try:
            expr = parse_expression(rule.check)
        except ExpressionError as exc:
            yield ("rules", ri, "check"), _bad_expression(exc)
            continue
        for name in sorted(expr.names - known):
            yield ("rules", ri, "check"), _not_a_field(name, sheet.id)
        for name in rule.when_present or []:
            if name not in known:
                yield ("rules", ri, "when_present"), _not_a_field(name)
    for i, rid in _duplicates([r.id for r in sheet.rules]):
        yield ("rules", i, "id"), (f"规则 id {rid!r} 重复", f"duplicate rule id {rid!r}")
    for ri, name in enumerate(sheet.remove_fields):
        yield (
            ("remove_fields", ri),
            (
                f"remove_fields 只能与 extends 一起使用（{name!r}）",
                f"remove_fields is only allowed with extends ({name!r})",
            ),
        )


def _not_a_field(name: str, sheet: str | None = None) -> tuple[str, str]:
    if sheet is None:
        return (f"{name!r} 不是此工作表的字段", f"{name!r} is not a field of this sheet")
    return (f"{name!r} 不是工作表 {sheet!r} 的字段", f"{name!r} is not a field of sheet {sheet!r}")


def _bad_expression(exc: ExpressionError) -> tuple[str, str]:
    return (f"表达式无效：{exc}", str(exc))


def _check_field(f, segment_ids: set[str]) -> Iterator[Problem]:
    ftype = FIELD_TYPES[f.type]
    if f.type in CHOICE_TYPES and not f.choices:
        yield (
            ("choices",),
            (f"{f.type} 字段需要可选值列表", f"a {f.type} field needs a list of choices"),
        )
    if f.type not in CHOICE_TYPES and f.choices:
        yield (
            ("choices",),
            (
                f"只有 choice 和 multi_choice 字段可以有 choices，{f.type} 不行",
                f"choices are only allowed on choice and multi_choice fields, not {f.type}",
            ),
        )
    for i, value in _duplicates([c.value for c in f.choices]):
        yield ("choices", i), (f"可选值 {value!r} 重复", f"duplicate choice {value!r}")
    for lang in ("zh", "en"):
        for i, value in _duplicates([c.label(lang) for c in f.choices]):
            yield (
                ("choices", i),
                (
                    f"可选值名称 {value!r} 重复（{lang}）",
                    f"duplicate choice label {value!r} ({lang})",
                ),
            )
    if f.max_length is not None and ftype.storage != "text":
        yield (
            ("max_length",),
            (
                f"max_length 只适用于文本类型，不适用于 {f.type}",
                f"max_length applies to text types, not {f.type}",
            ),
        )
    if ftype.fixed_length and f.max_length and f.max_length < ftype.fixed_length:
        yield (
            ("max_length",),
            (
                f"{f.type} 有 {ftype.fixed_length} 个字符；max_length {f.max_length} 太小",
                f"a {f.type} has {ftype.fixed_length} characters; "
                f"max_length {f.max_length} is too small",
            ),
        )
    if (f.min_value is not None or f.max_value is not None) and ftype.storage not in (
        "integer",
        "number",
    ):
        yield (
            ("min_value",),
            (
                f"min_value/max_value 只适用于数字，不适用于 {f.type}",
                f"min_value/max_value apply to numbers, not {f.type}",
            ),
        )
    if f.min_value is not None and f.max_value is not None and f.min_value > f.max_value:
        yield ("min_value",), ("min_value 大于 max_value", "min_value is greater than max_value")
    if f.default is not None and f.choices:
        allowed = (
            {c.value for c in f.choices} | {c.zh for c in f.choices} | {c.en for c in f.choices}
        )
        if str(f.default) not in allowed:
            yield (
                ("default",),
                (
                    f"默认值 {f.default!r} 不在可选值中",
                    f"default {f.default!r} is not one of the choices",
                ),
            )
    if f.computed is not None and f.computed not in METRICS and f.computed not in segment_ids:
        yield (
            ("computed",),
            (
                f"未知的计算值 {f.computed!r}（指标：{'、'.join(METRICS)}；或分群的 id）",
                f"unknown computed value {f.computed!r} (metrics: {', '.join(METRICS)}; "
                "or the id of a segment)",
            ),
        )
    if f.highlight_overdue and ftype.storage not in ("date", "datetime"):
        yield (
            ("highlight_overdue",),
            (
                "highlight_overdue 只适用于日期和日期时间字段",
                "highlight_overdue applies to date and datetime fields",
            ),
        )


def _check_segment(spec: Spec, seg) -> Iterator[Problem]:
    if seg.sheet not in spec.sheet_ids():
        yield (
            ("sheet",),
            (
                f"分群 {seg.id!r} 引用了不存在的工作表 {seg.sheet!r}",
                f"segment {seg.id!r} refers to a missing sheet {seg.sheet!r}",
            ),
        )
        return
    sheet = spec.sheet(seg.sheet)
    if seg.field not in sheet.field_ids():
        yield (
            ("field",),
            (
                f"工作表 {seg.sheet!r} 没有字段 {seg.field!r}",
                f"sheet {seg.sheet!r} has no field {seg.field!r}",
            ),
        )
        return
    target = sheet.field(seg.field)
    if target.type != "choice":
        yield (
            ("field",),
            (
                f"分群字段 {seg.field!r} 必须是 choice 字段，而不是 {target.type}",
                f"segment field {seg.field!r} must be a choice field, not {target.type}",
            ),
        )
        return
    values = {c.value for c in target.choices}
    names = set(sheet.field_ids()) | set(METRICS)
    for ri, rule in enumerate(seg.rules):
        if rule.value not in values:
            yield (
                ("rules", ri, "value"),
                (
                    f"{rule.value!r} 不是 {seg.field!r} 的可选值（{'、'.join(sorted(values))}）",
                    f"{rule.value!r} is not a choice of {seg.field!r} "
                    f"({', '.join(sorted(values))})",
                ),
            )
        try:
            expr = parse_expression(rule.when)
        except ExpressionError as exc:
            yield ("rules", ri, "when"), _bad_expression(exc)
            continue
        for name in sorted(expr.names - names):
            yield (
                ("rules", ri, "when"),
                (
                    f"{name!r} 既不是 {seg.sheet!r} 的字段，也不是指标",
                    f"{name!r} is neither a field of {seg.sheet!r} nor a metric",
                ),
            )
    if seg.otherwise is not None and seg.otherwise not in values:
        yield (
            ("otherwise",),
            (
                f"{seg.otherwise!r} 不是 {seg.field!r} 的可选值",
                f"{seg.otherwise!r} is not a choice of {seg.field!r}",
            ),
        )
