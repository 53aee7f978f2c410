"""YAML reading that remembers where every key came from (file and line).

Spec errors must say the file, the line and the key, also after ``extends`` has merged
two files; so the loader returns ``MarkedDict`` / ``MarkedList`` objects that carry, for
each key or item, the file and line it was read from.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from xl_crm.errors import SpecError, SpecProblem


@dataclass(frozen=True)
class Mark:
    file: str
    line: int  # 1-based


class MarkedDict(dict):
    """A dict whose ``marks[key]`` tells where the key was written."""

    def __init__(self, *args: Any, mark: Mark | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mark = mark
        self.marks: dict[Any, Mark] = {}


class MarkedList(list):
    """A list whose ``marks[i]`` tells where item ``i`` was written."""

    def __init__(self, *args: Any, mark: Mark | None = None) -> None:
        super().__init__(*args)
        self.mark = mark
        self.marks: list[Mark | None] = [None] * len(self)


def load_yaml(path: Path, problems: list[SpecProblem] | None = None) -> Any:
    """Read ``path`` into marked dicts and lists; raise SpecError on bad YAML.  Bad keys
    (duplicates, non-text) are skipped and added to ``problems`` when it is given, else
    raised together."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError([SpecProblem(name, None, "", ("找不到文件", "file not found"))]) from None
    except UnicodeDecodeError as exc:
        raise SpecError(
            [
                SpecProblem(
                    name,
                    None,
                    "",
                    (
                        f"不是 UTF-8 文本（{exc.reason}）；请另存为 UTF-8",
                        f"not UTF-8 text ({exc.reason}); save it as UTF-8",
                    ),
                )
            ]
        ) from None
    return loads_yaml(text, name, problems)


def loads_yaml(text: str, name: str = "<string>", problems: list[SpecProblem] | None = None) -> Any:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or exc.context or "invalid YAML"
        raise SpecError(
            [SpecProblem(name, line, "", (f"YAML 无效：{what}", f"invalid YAML: {what}"))]
        ) from None
    except yaml.YAMLError as exc:  # pragma: no cover - other parser errors carry no mark
        raise SpecError(
            [SpecProblem(name, None, "", (f"YAML 无效：{exc}", f"invalid YAML: {exc}"))]
        ) from None
    if node is None:
        raise SpecError([SpecProblem(name, None, "", ("文件是空的", "the file is empty"))])
    found: list[SpecProblem] = []
    data = _construct(node, name, found)
    if problems is not None:
        problems.extend(found)
    elif found:  # every bad key of the file at once, not just the first
        raise SpecError(found)
    return data


_SCALARS = yaml.SafeLoader(stream="")


def _construct(node: yaml.Node, name: str, problems: list[SpecProblem]) -> Any:
    """Marked containers for ``node``; bad keys are added to ``problems`` (and skipped)."""
    mark = Mark(name, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result = MarkedDict(mark=mark)
        for key_node, value_node in node.value:
            key = _construct(key_node, name, problems)
            if not isinstance(key, str | int | float | bool):
                problems.extend(
                    [
                        SpecProblem(
                            name,
                            key_node.start_mark.line + 1,
                            "",
                            ("键必须是普通文本", "keys must be plain text"),
                        )
                    ]
                )
                continue
            if key in result:
                problems.extend(
                    [
                        SpecProblem(
                            name,
                            key_node.start_mark.line + 1,
                            str(key),
                            (
                                f"键 {key!r} 重复（第一次出现在第 {result.marks[key].line} 行）",
                                f"duplicate key {key!r} (it was first set on line "
                                f"{result.marks[key].line})",
                            ),
                        )
                    ]
                )
                continue
            result[key] = _construct(value_node, name, problems)
            result.marks[key] = Mark(name, key_node.start_mark.line + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = [_construct(child, name, problems) for child in node.value]
        result_list = MarkedList(items, mark=mark)
        result_list.marks = [Mark(name, child.start_mark.line + 1) for child in node.value]
        return result_list
    return _SCALARS.construct_object(node, deep=True)


def mark_at(root: Any, path: tuple[Any, ...]) -> Mark | None:
    """The most precise mark known for ``path`` inside ``root``."""
    best: Mark | None = getattr(root, "mark", None)
    current = root
    for part in path:
        if isinstance(current, MarkedDict) and part in current:
            best = current.marks.get(part, best)
            current = current[part]
        elif isinstance(current, MarkedList) and isinstance(part, int) and part < len(current):
            best = current.marks[part] or best
            current = current[part]
        else:
            break
    return best


def plain(value: Any) -> Any:
    """Marked containers back to plain dicts and lists."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
