"""Loading template specs: YAML -> merged with what they extend -> checked ``Spec``.

Errors name the file, the line and the key (``templates/hotel.yaml:42
[sheets.stays.fields.check_out.type]: unknown field type 'datetme'; did you mean
'datetime'?``).
"""

from __future__ import annotations

import copy
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from xl_crm.errors import SpecError, SpecProblem, TemplateNotFoundError
from xl_crm.specs.checks import check_spec
from xl_crm.specs.model import Spec
from xl_crm.specs.yamlio import MarkedDict, MarkedList, load_yaml, mark_at, plain

SPEC_SUFFIXES = (".yaml", ".yml")


def templates_dir() -> Path:
    """Where the built-in template specs are (inside the wheel, or the source tree)."""
    packaged = resources.files("xl_crm").joinpath("_templates")
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "templates"


def builtin_names() -> list[str]:
    return sorted(p.stem for p in templates_dir().glob("*.yaml"))


def resolve_template(name_or_path: str | Path, *, base: Path | None = None) -> Path:
    """A built-in template name, or a path to a spec file, as a path."""
    text = str(name_or_path)
    candidate = Path(text)
    if base is not None and not candidate.is_absolute():
        candidate = base / candidate
    if candidate.suffix in SPEC_SUFFIXES or "/" in text or "\\" in text:
        if candidate.is_file():
            return candidate
        raise TemplateNotFoundError(
            (f"找不到模板文件：{candidate}", f"spec file not found: {candidate}"),
            hint=(
                "检查路径，或使用内置模板名：" + "、".join(builtin_names()),
                "check the path, or use a built-in template name: " + ", ".join(builtin_names()),
            ),
        )
    builtin = templates_dir() / f"{text}.yaml"
    if builtin.is_file():
        return builtin
    raise TemplateNotFoundError(
        (f"没有名为 {text!r} 的模板", f"no template called {text!r}"),
        hint=(
            "内置模板：" + "、".join(builtin_names()) + "；或给出 .yaml 模板文件的路径",
            "built-in templates: "
            + ", ".join(builtin_names())
            + "; or give a path to a .yaml spec",
        ),
    )


def load_spec(name_or_path: str | Path) -> Spec:
    """Load and check a template spec by built-in name (``ecommerce``) or file path
    (a YAML spec; ``extends`` resolved).  Returns the :class:`Spec`.  Raises
    :class:`xl_crm.errors.TemplateNotFoundError` when it is neither, and
    :class:`xl_crm.SpecError` listing every problem (file, line, key) when it is wrong.

    >>> spec = load_spec("ecommerce")
    >>> spec.sheet("customers").key
    'customer_id'
    """
    path = resolve_template(name_or_path)
    problems: list[SpecProblem] = []
    raw = _load_merged(path, chain=(), problems=problems)
    return _validate(raw, path, problems)


def spec_from_data(data: dict[str, Any], *, source: str = "<data>") -> Spec:
    """Check a spec given as plain Python data (as YAML would load it)."""
    raw = _marked(data, source)
    if raw.get("extends"):
        raise SpecError(
            [
                SpecProblem(
                    source,
                    None,
                    "extends",
                    ("extends 只能用于模板文件", "extends needs a spec file"),
                )
            ]
        )
    return _validate(raw, Path(source))


def _marked(value: Any, source: str) -> Any:
    if isinstance(value, dict):
        out = MarkedDict({k: _marked(v, source) for k, v in value.items()})
        return out
    if isinstance(value, list):
        return MarkedList([_marked(v, source) for v in value])
    return value


def _load_merged(
    path: Path, chain: tuple[Path, ...], problems: list[SpecProblem] | None = None
) -> MarkedDict:
    """``path`` merged with what it extends; problems that do not stop the reading (bad
    keys, misplaced fields) go to ``problems`` so every one is reported."""
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(str(p.name) for p in (*chain, resolved))
        raise SpecError(
            [
                SpecProblem(
                    str(path),
                    None,
                    "extends",
                    (f"extends 形成循环：{cycle}", f"extends loops: {cycle}"),
                )
            ]
        )
    raw = load_yaml(path, problems)
    if not isinstance(raw, MarkedDict):
        raise SpecError(
            [
                SpecProblem(
                    str(path),
                    1,
                    "",
                    (
                        "模板必须是映射（name:、title:、sheets: ...）",
                        "a spec must be a mapping (name:, title:, sheets: ...)",
                    ),
                )
            ]
        )
    parent_name = raw.get("extends")
    if parent_name in (None, ""):
        return raw
    if not isinstance(parent_name, str):
        line = raw.marks["extends"].line
        raise SpecError(
            [
                SpecProblem(
                    str(path),
                    line,
                    "extends",
                    ("extends 必须是模板名或路径", "extends must be a name or path"),
                )
            ]
        )
    try:
        parent_path = resolve_template(parent_name, base=path.parent)
    except TemplateNotFoundError as exc:
        line = raw.marks["extends"].line
        raise SpecError([SpecProblem(str(path), line, "extends", exc.texts)]) from None
    parent = _load_merged(parent_path, (*chain, resolved), problems)
    return merge_specs(parent, raw, problems)


def merge_specs(
    parent: MarkedDict, child: MarkedDict, problems: list[SpecProblem] | None = None
) -> MarkedDict:
    """``child`` built on ``parent``: sheets, fields, groups, rules and segments merge by id.

    A part that cannot be merged is left out and added to ``problems`` (raised as a
    SpecError at once when ``problems`` is None)."""
    found: list[SpecProblem] = []
    out = _copy_dict(parent)
    out.mark = child.mark
    for key, value in child.items():
        if key == "sheets" and isinstance(value, list) and isinstance(out.get(key), list):

            def sheet(p: MarkedDict, c: MarkedDict) -> MarkedDict:
                return _merge_sheet(p, c, found)

            out[key] = _merge_by_id(out[key], value, sheet, found)
        elif key == "segments" and isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = _merge_by_id(out[key], value, None, found)
        else:
            out[key] = value
        out.marks[key] = child.marks[key]
    if problems is not None:
        problems.extend(found)
    elif found:
        raise SpecError(found)
    return out


def _copy_dict(d: MarkedDict) -> MarkedDict:
    out = MarkedDict(copy.copy(dict(d)), mark=d.mark)
    out.marks = dict(d.marks)
    return out


def _merge_by_id(
    base: MarkedList, extra: list, merge_item, problems: list[SpecProblem]
) -> MarkedList:
    items = list(base)
    marks = list(getattr(base, "marks", [None] * len(base)))
    extra_marks = getattr(extra, "marks", [None] * len(extra))
    index = {item.get("id"): i for i, item in enumerate(items) if isinstance(item, dict)}
    for item, mark in zip(extra, extra_marks, strict=True):
        item_id = item.get("id") if isinstance(item, dict) else None
        if item_id is not None and item_id in index:
            i = index[item_id]
            items[i] = merge_item(items[i], item) if merge_item else item
            marks[i] = mark
        elif isinstance(item, MarkedDict) and "after" in item:
            after = item["after"]
            where = next(
                (i for i, it in enumerate(items) if isinstance(it, dict) and it.get("id") == after),
                None,
            )
            if where is None:
                mark_after = item.marks["after"]
                problems.extend(
                    [
                        SpecProblem(
                            mark_after.file,
                            mark_after.line,
                            f"{item_id}.after",
                            (
                                f"无法把 {item_id!r} 放在 {after!r} 之后：没有这个字段",
                                f"cannot place {item_id!r} after {after!r}: no such field",
                            ),
                        )
                    ]
                )
                continue
            placed = _copy_dict(item)
            del placed["after"]
            items.insert(where + 1, placed)
            marks.insert(where + 1, mark)
            index = {it.get("id"): i for i, it in enumerate(items) if isinstance(it, dict)}
        else:
            index[item_id] = len(items)
            items.append(item)
            marks.append(mark)
    out = MarkedList(items, mark=getattr(extra, "mark", None))
    out.marks = marks
    return out


def _merge_sheet(parent: MarkedDict, child: MarkedDict, problems: list[SpecProblem]) -> MarkedDict:
    out = _copy_dict(parent)
    for key, value in child.items():
        if key in ("fields", "groups", "rules") and isinstance(out.get(key), list):
            merge = _merge_field if key == "fields" else None
            out[key] = _merge_by_id(out[key], value, merge, problems)
        elif key in ("references", "unique_together") and isinstance(out.get(key), list):
            merged = MarkedList([*out[key], *value])
            merged.marks = [*out[key].marks, *getattr(value, "marks", [None] * len(value))]
            out[key] = merged
        elif key == "remove_fields":
            continue
        else:
            out[key] = value
        out.marks[key] = child.marks[key]
    removed = child.get("remove_fields") or []
    if removed:
        fields = out.get("fields", MarkedList())
        ids = {f.get("id") for f in fields if isinstance(f, dict)}
        missing = [r for r in removed if r not in ids]
        if missing:
            line = child.marks["remove_fields"].line
            problems.extend(
                [
                    SpecProblem(
                        child.marks["remove_fields"].file,
                        line,
                        "remove_fields",
                        (
                            f"无法删除 {'、'.join(map(repr, missing))}：不是被扩展工作表的字段",
                            f"cannot remove {', '.join(map(repr, missing))}: not a field of the "
                            "sheet being extended",
                        ),
                    )
                ]
            )
        keep = [i for i, f in enumerate(fields) if f.get("id") not in removed]
        kept = MarkedList([fields[i] for i in keep], mark=fields.mark)
        kept.marks = [fields.marks[i] for i in keep]
        out["fields"] = kept
    return out


def _merge_field(parent: MarkedDict, child: MarkedDict) -> MarkedDict:
    out = _copy_dict(parent)
    for key, value in child.items():
        out[key] = value
        out.marks[key] = child.marks[key]
    return out


def _validate(raw: MarkedDict, path: Path, found: list[SpecProblem] | None = None) -> Spec:
    """The checked spec, or a SpecError with every problem: those found while reading
    (``found``), the shape errors, and how the parts fit together.  When parts have shape
    errors, they are left out and the rest is checked too; problems that only name a part
    left out are not repeated."""
    problems = list(found or [])
    spec, current, removed = None, raw, set()
    for _ in range(100):  # each round leaves out at least one part
        try:
            spec = Spec.model_validate(plain(current))
            break
        except ValidationError as exc:
            errors = exc.errors()
            problems += [
                _problem(current, path, tuple(e["loc"]), pydantic_message(e)) for e in errors
            ]
            parts = {_part(current, tuple(e["loc"])) for e in errors}
            if None in parts:
                break  # a top-level key is wrong: nothing to check the rest against
            current = copy.deepcopy(current)
            for part in sorted(parts, key=_sort_key, reverse=True):  # later, inner parts first
                removed |= _leave_out(current, part)
    if spec is not None:
        for p, m in check_spec(spec):
            if not any(f"{name!r}" in m[1] for name in removed):
                problems.append(_problem(current, path, p, m))
    if problems or spec is None:
        raise SpecError(_dedupe(problems))
    return spec


def _sort_key(loc: tuple[Any, ...]) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, x, "") if isinstance(x, int) else (1, 0, str(x)) for x in loc)


def _part(raw: Any, loc: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """The innermost list item that ``loc`` points into (None when it is in no list)."""
    last = None
    current = raw
    for i, key in enumerate(loc):
        if isinstance(current, list) and isinstance(key, int) and key < len(current):
            last = loc[: i + 1]
            current = current[key]
        elif isinstance(current, dict) and key in current:
            current = current[key]
        else:
            break
    return last


def _leave_out(raw: Any, part: tuple[Any, ...]) -> set[str]:
    """Remove the list item at ``part`` (with its mark); the ids it held."""
    container = raw
    for key in part[:-1]:
        container = container[key]
    index = part[-1]
    if not (isinstance(container, list) and index < len(container)):
        return set()
    item = container[index]
    del container[index]
    if isinstance(container, MarkedList):
        del container.marks[index]
    return {item["id"]} if isinstance(item, dict) and isinstance(item.get("id"), str) else set()


def pydantic_message(err: dict[str, Any], docs: str = "docs/template-format.md") -> tuple[str, str]:
    """A pydantic error (an item of ``ValidationError.errors()``) as (zh, en): our own
    errors carry both; pydantic's common kinds are translated (an unknown key points at
    ``docs``); any other keeps pydantic's English words inside a Chinese frame."""
    kind = err.get("type", "")
    loc = err.get("loc", ())
    ctx = err.get("ctx") or {}
    if kind == "xlcrm":
        return ctx["zh"], ctx["en"]
    if kind == "extra_forbidden":
        return (
            f"未知的键 {loc[-1]!r}；请检查拼写（见 {docs}）",
            f"unknown key {loc[-1]!r}; check the spelling (see {docs})",
        )
    if kind == "missing":
        return f"缺少必需的键 {loc[-1]!r}", f"required key {loc[-1]!r} is missing"
    msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    zh = {
        "string_type": "应为文本",
        "int_type": "应为整数",
        "int_parsing": "应为整数",
        "float_type": "应为数字",
        "float_parsing": "应为数字",
        "bool_type": "应为 true 或 false",
        "bool_parsing": "应为 true 或 false",
        "list_type": "应为列表",
        "dict_type": "应为映射",
        "model_type": "应为映射",
        "string_too_short": "不能为空",
        "string_pattern_mismatch": f"格式不符（应匹配 {ctx.get('pattern', '')}）",
        "literal_error": f"取值应为 {ctx.get('expected', '')}",
    }.get(kind, f"取值无效（{msg}）")
    return zh, msg


def _problem(raw: MarkedDict, path: Path, loc: tuple[Any, ...], message: str) -> SpecProblem:
    loc = tuple(p for p in loc if not (isinstance(p, str) and p in ("function-before", "str")))
    mark = mark_at(raw, loc)
    file = mark.file if mark else str(path)
    line = mark.line if mark else None
    return SpecProblem(file, line, _loc_text(raw, loc), message)


def _loc_text(raw: Any, loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    current = raw
    for part in loc:
        if isinstance(part, int) and isinstance(current, list) and part < len(current):
            item = current[part]
            item_id = item.get("id") if isinstance(item, dict) else None
            parts.append(str(item_id) if item_id else f"[{part}]")
            current = item
        else:
            parts.append(str(part))
            current = current.get(part) if isinstance(current, dict) else None
    text = ".".join(parts)
    return text.replace(".[", "[")


def _dedupe(problems: list[SpecProblem]) -> list[SpecProblem]:
    seen: set[tuple[str, str]] = set()
    out = []
    for p in problems:
        if (p.key, p.message) not in seen:
            seen.add((p.key, p.message))
            out.append(p)
    return out
