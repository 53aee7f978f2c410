"""Requests checked against Google's own discovery documents.

The documents are the ones google-api-python-client ships
(``googleapiclient/discovery_cache/documents/sheets.v4.json`` and ``drive.v3.json``), so the
emulator's idea of a valid request is Google's, at the revision the installed client carries.
The emulator is a user-facing tool (``xl-crm sheets emulator``), so google-api-python-client is
in the ``sheets`` extra: every install that can run the emulator has the documents.

A method's URL template (``v4/spreadsheets/{spreadsheetId}/values/{range}:append``) routes the
request; its parameters check the query (unknown names, enum values, booleans, integers) and
its request schema checks the JSON body (unknown fields, types, enums).  Error wording follows
the API's (``Invalid JSON payload received. Unknown name "x" at 'requests[0].add_sheet':
Cannot find field.``).  Bodies come back with snake_case names turned to lowerCamelCase, as
the API accepts both (proto3 JSON mapping: https://protobuf.dev/programming-guides/json/).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import unquote

from sheets_sync.emulator.errors import ApiError

_FORMATS = {"int32": "TYPE_INT32", "int64": "TYPE_INT64", "double": "TYPE_DOUBLE"}
_FORMATS.update({"float": "TYPE_FLOAT"})


@dataclass(frozen=True)
class Method:
    """One API method of a discovery document: its id (``sheets.spreadsheets.values.get``),
    HTTP method, URL pattern over the raw (undecoded) path, parameters and request schema."""

    id: str
    http_method: str
    pattern: re.Pattern[str]
    parameters: dict[str, Any]
    request: str | None
    document: str


@dataclass(frozen=True)
class Call:
    """A routed request: the method, its path parameters (decoded) and query parameters
    (checked, lists for repeated ones)."""

    method: Method
    path: dict[str, str]
    query: dict[str, Any]


@cache
def document(name: str) -> dict[str, Any]:
    """The discovery document ``name`` (``sheets.v4`` or ``drive.v3``) as shipped in
    google-api-python-client.  Raises ModuleNotFoundError when the ``sheets`` extra is
    missing."""
    docs = resources.files("googleapiclient") / "discovery_cache" / "documents"
    return json.loads((docs / f"{name}.json").read_text(encoding="utf-8"))


def _methods(resource: dict[str, Any], doc: dict[str, Any], name: str) -> list[Method]:
    out = []
    for method in resource.get("methods", {}).values():
        path = doc["servicePath"] + method["path"]
        regex = ""
        for literal, param in re.findall(r"([^{]*)(?:\{\+?(\w+)\})?", path):
            regex += re.escape(literal)
            if param:
                regex += f"(?P<{param}>[^/]+?)"
        request = method.get("request", {}).get("$ref")
        out.append(
            Method(
                method["id"],
                method["httpMethod"],
                re.compile(f"^/{regex}$"),
                method.get("parameters", {}),
                request,
                name,
            )
        )
    for sub in resource.get("resources", {}).values():
        out.extend(_methods(sub, doc, name))
    return out


@cache
def methods() -> tuple[Method, ...]:
    """Every method of Sheets v4 and Drive v3, those with a ``:verb`` or more literal text
    first so ``values/{range}:append`` wins over ``values/{range}``."""
    found = []
    for name in ("sheets.v4", "drive.v3"):
        doc = document(name)
        found.extend(_methods(doc, doc, name))
    return tuple(
        sorted(found, key=lambda m: -len(re.sub(r"\(\?P<\w+>[^)]*\)", "", m.pattern.pattern)))
    )


def route(http_method: str, raw_path: str, query: dict[str, list[str]]) -> Call:
    """The method a request calls, with its parameters checked.

    ``raw_path`` is the undecoded path (gspread quotes a range with ``safe=""``, so a ``:``
    inside it is ``%3A`` and a literal ``:`` starts the custom verb).  Raises ApiError 404
    for no such method, 400 for a bad query parameter.
    """
    for method in methods():
        match = method.pattern.match(raw_path)
        if match and method.http_method == http_method:
            path = {k: unquote(v) for k, v in match.groupdict().items()}
            return Call(method, path, check_query(method, query))
    raise ApiError(404, f"Method not found: {http_method} {raw_path}")


def check_query(method: Method, query: dict[str, list[str]]) -> dict[str, Any]:
    """``query`` checked against the method's and the document's query parameters: values
    typed (bool, int), enums checked, single values unwrapped unless repeated.  Sheets
    refuses an unknown parameter; Drive ignores it (gspread sends
    ``includeItemsFromAllDrives`` to ``files.get``, which Drive does not declare, and the
    call works against Google)."""
    known = {**document(method.document)["parameters"], **method.parameters}
    out: dict[str, Any] = {}
    for name, values in query.items():
        spec = known.get(name)
        if spec is None and method.document == "drive.v3":
            continue  # Drive ignores parameters it does not know (gspread sends some)
        if spec is None or spec.get("location") == "path":
            raise ApiError.bad_request(
                f'Invalid JSON payload received. Unknown name "{name}": Cannot bind query '
                f"parameter. Field '{name}' could not be found in request message."
            )
        typed = [_query_value(name, spec, v) for v in values]
        out[name] = typed if spec.get("repeated") else typed[-1]
    return out


def _query_value(name: str, spec: dict[str, Any], value: str) -> Any:
    kind = spec.get("type")
    if kind == "boolean":
        if value.lower() not in ("true", "false"):
            raise ApiError.bad_request(f"Invalid value at '{snake(name)}' (TYPE_BOOL), \"{value}\"")
        return value.lower() == "true"
    if kind == "integer":
        try:
            return int(value)
        except ValueError:
            raise ApiError.bad_request(
                f"Invalid value at '{snake(name)}' (TYPE_INT32), \"{value}\""
            ) from None
    if "enum" in spec and value not in spec["enum"]:
        raise ApiError.bad_request(f"Invalid value at '{snake(name)}', \"{value}\"")
    return value


@cache
def snake(name: str) -> str:
    """``addSheet`` -> ``add_sheet``: the API names fields this way in error messages."""
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


@cache
def camel(name: str) -> str:
    """``add_sheet`` -> ``addSheet`` (both spellings are accepted in bodies)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def check_body(method: Method, body: Any) -> Any:
    """The request body checked against the method's request schema, field names normalised
    to lowerCamelCase and JSON nulls dropped (proto3 JSON reads null as "not set").  Raises
    ApiError 400 in the API's wording on an unknown field, a wrong type or enum value
    (Drive bodies: unknown fields are dropped, as Drive does)."""
    if method.request is None:
        return body
    if body is None:
        return {}
    doc = document(method.document)
    return _check(doc, {"$ref": method.request}, body, None, method.document == "drive.v3")


#: where a value is in a body: None for the body, else (the parent's place, a field name or
#: a list index); spelled out (``requests[0].add_sheet``) only for an error message
Where = tuple[Any, str | int] | None


def _check(
    doc: dict[str, Any], schema: dict[str, Any], value: Any, where: Where, lenient: bool
) -> Any:
    if "$ref" in schema:
        schema = doc["schemas"][schema["$ref"]]
    kind = schema.get("type")
    if kind == "any":
        return value
    if kind == "object":
        if not isinstance(value, dict):
            raise _invalid(where, "TYPE_MESSAGE", value)
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        out = {}
        for key, item in value.items():
            if item is None:
                continue
            name = camel(key)
            if props is not None and name in props:
                out[name] = _check(doc, props[name], item, (where, name), lenient)
            elif extra is not None:
                out[key] = _check(doc, extra, item, (where, key), lenient)
            elif lenient:
                continue  # Drive ignores fields it does not know (gspread sends "withLink")
            else:
                at = f" at '{_text(where)}'" if where else ""
                raise ApiError.bad_request(
                    f'Invalid JSON payload received. Unknown name "{key}"{at}: Cannot find field.'
                )
        return out
    if kind == "array":
        if not isinstance(value, list):
            raise _invalid(where, "TYPE_LIST", value)
        if _rows_of_any(schema):  # ValueRange.values: rows of any JSON values
            if not all(isinstance(row, list) for row in value):
                raise _invalid(where, "TYPE_LIST", value)
            return value
        return [
            _check(doc, schema["items"], item, (where, i), lenient) for i, item in enumerate(value)
        ]
    return _scalar(schema, kind, value, where)


def _rows_of_any(schema: dict[str, Any]) -> bool:
    items = schema.get("items", {})
    return items.get("type") == "array" and items.get("items", {}).get("type") == "any"


def _scalar(schema: dict[str, Any], kind: str | None, value: Any, where: Where) -> Any:
    fmt = schema.get("format")
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _invalid(where, "TYPE_BOOL", value)
        return value
    if kind == "integer" or (kind == "string" and fmt in ("int64", "uint64")):
        whole = isinstance(value, int | str) or (isinstance(value, float) and value.is_integer())
        if isinstance(value, bool) or not whole:
            raise _invalid(where, _FORMATS.get(fmt or "", "TYPE_INT32"), value)
        try:
            return int(value)
        except ValueError:
            raise _invalid(where, _FORMATS.get(fmt or "", "TYPE_INT32"), value) from None
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _invalid(where, _FORMATS.get(fmt or "", "TYPE_DOUBLE"), value)
        return value
    if kind == "string":
        if not isinstance(value, str):
            raise _invalid(where, "TYPE_STRING", value)
        if "enum" in schema and value not in schema["enum"]:
            raise _invalid(where, "TYPE_ENUM", value)
        return value
    return value


def _text(where: Where) -> str:
    """``where`` as the API writes it in messages: ``requests[0].add_sheet.properties``."""
    parts: list[str | int] = []
    while where is not None:
        where, part = where
        parts.append(part)
    out = ""
    for part in reversed(parts):
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out = f"{out}.{snake(part)}" if out else snake(part)
    return out


def _invalid(where: Where, kind: str, value: Any) -> ApiError:
    shown = json.dumps(value, ensure_ascii=False)
    return ApiError.bad_request(f"Invalid value at '{_text(where)}' ({kind}), {shown}")
