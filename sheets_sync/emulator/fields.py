"""Field masks: the ``fields`` query parameter (partial responses) and the ``fields`` of
update requests (repeatCell, updateCells, updateSheetProperties, ...).

Syntax (https://developers.google.com/sheets/api/guides/field-masks): comma-separated paths,
``a.b`` or ``a/b`` for a sub-field, ``a(b,c)`` for several sub-fields of ``a``, ``*`` for
everything.  gspread sends ``gridProperties/frozenRowCount`` and
``userEnteredFormat(textFormat,backgroundColor)``; Drive calls send
``kind,nextPageToken,files(id,name,createdTime,modifiedTime)``.
"""

from __future__ import annotations

from typing import Any

from sheets_sync.emulator.errors import ApiError

#: a parsed mask: field name -> sub-mask, None for the whole field
Mask = dict[str, Any]


def parse_mask(text: str) -> Mask | None:
    """The tree of ``text``; None for ``*`` or an empty mask (everything).  Raises
    ApiError 400 for unbalanced parentheses."""
    text = text.replace(" ", "")
    if text in ("", "*"):
        return None
    tree: Mask = {}
    rest = _parse_list(text, 0, tree)
    if rest != len(text):
        raise ApiError.bad_request(f"Invalid field selection {text}")
    return tree


def _parse_list(text: str, pos: int, tree: Mask) -> int:
    while pos < len(text):
        start = pos
        while pos < len(text) and text[pos] not in ",()":
            pos += 1
        path = [p for p in text[start:pos].replace("/", ".").split(".") if p]
        node = tree
        for name in path[:-1]:
            node = _child(node, name)
        leaf = path[-1] if path else None
        if pos < len(text) and text[pos] == "(":
            sub = _child(node, leaf) if leaf else node
            pos = _parse_list(text, pos + 1, sub)
            if pos >= len(text) or text[pos] != ")":
                raise ApiError.bad_request(f"Invalid field selection {text}")
            pos += 1
        elif leaf:
            if leaf == "*":
                node.clear()
                node["*"] = None
            else:
                node[leaf] = None
        if pos < len(text) and text[pos] == ")":
            return pos
        if pos < len(text) and text[pos] == ",":
            pos += 1
    return pos


def _child(node: Mask, name: str) -> Mask:
    current = node.get(name)
    if current is None:
        if name in node:  # already the whole field
            return {}
        current = node[name] = {}
    return current


def select(data: Any, mask: Mask | None) -> Any:
    """``data`` with only the fields of ``mask`` (a partial response)."""
    if mask is None or "*" in mask:
        return data
    if isinstance(data, list):
        return [select(item, mask) for item in data]
    if not isinstance(data, dict):
        return data
    out = {}
    for name, sub in mask.items():
        if name in data:
            out[name] = data[name] if sub is None else select(data[name], sub)
    return out


def json_copy(data: Any) -> Any:
    """A copy of JSON data (dicts and lists copied, strings, numbers and booleans shared):
    ``copy.deepcopy`` for the emulator's cells and request bodies, several times quicker."""
    if isinstance(data, dict):
        return {k: json_copy(v) for k, v in data.items()}
    if isinstance(data, list):
        return [json_copy(v) for v in data]
    return data


def apply_update(target: dict[str, Any], source: dict[str, Any], mask: Mask | None) -> None:
    """Set on ``target`` the fields ``mask`` names, from ``source``; a named field missing
    from ``source`` is cleared (the API's update-mask rule)."""
    if mask is None or "*" in mask:
        target.clear()
        target.update(json_copy(source))
        return
    for name, sub in mask.items():
        if sub is None or not isinstance(source.get(name), dict | type(None)):
            if name in source:
                target[name] = json_copy(source[name])
            else:
                target.pop(name, None)
            continue
        inner = target.setdefault(name, {})
        apply_update(inner, source.get(name) or {}, sub)
        if not inner:
            target.pop(name, None)


def mask_or_error(text: str | None, where: str) -> Mask | None:
    """The update mask ``text`` of a request at ``where``; the API refuses a missing one
    with "At least one field must be updated"."""
    if not text:
        raise ApiError.bad_request(f"Invalid {where}: At least one field must be updated.")
    return parse_mask(text)
