"""A static check of ``xl_crm/excel/functions.py`` against the rules both xlwings runtimes
impose (``../shared/research/xlwings.md`` §6.2, each rule measured there):

1. positional parameters only (no keyword-only, no ``**kwargs``, not defaults with
   ``*args``);
2. no Optional / Union / ``X | None`` / Literal hints (both runtimes raise
   ``AttributeError: reader`` when a value is passed; Literal breaks classic);
3. no date hints (classic ignores them): a date is read by the function from any cell;
4. DataFrame converters with ``index=False`` (else the first column becomes the index);
5. no ``caller`` parameter (reserved in classic), no ``vba=``, ``expand=``,
   ``async_mode``; no namespace (classic ignores it, so formulas would differ);
6. names ``crm_*`` valid in Excel and unique ignoring case; ``__all__`` lists exactly the
   worksheet functions;
7. a one-line docstring (Excel shows it verbatim, at most 255 characters) and an
   argument description for every parameter (at most 128 characters, the custom
   functions metadata limit), each in English with the Chinese term.

The check reads the source (the decorators do nothing outside Excel, so the live
functions carry no metadata); ``tests/excel_classic`` checks the metadata the real
classic decorators build.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import xl_crm.excel.functions as functions

SOURCE = Path(functions.__file__)
EXCEL_NAME = re.compile(r"^[^\W\d_][\w.]*$")
CJK = re.compile(r"[\u3400-\u9fff]")
BANNED_HINTS = {"Optional", "Union", "Literal", "date", "datetime", "None"}
BANNED_OPTIONS = {"vba", "expand", "async_mode"}
FUNC_OPTIONS = {"category", "volatile", "help_url"}
#: what functions.py may import at its top: nothing that loads pandas or starts anything
TOP_IMPORTS = {"__future__", "typing", "xl_crm.excel", "xlwings"}


def constants(tree: ast.Module) -> dict[str, object]:
    """Module-level NAME = <literal> assignments (the shared argument docs)."""
    out: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                try:
                    out[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    continue
    return out


def value_of(node: ast.AST, names: dict[str, object]) -> object:
    if isinstance(node, ast.Name) and node.id in names:
        return names[node.id]
    try:
        return ast.literal_eval(node)
    except ValueError:
        return ast.unparse(node)


def decorator(node: ast.expr) -> tuple[str, list[ast.expr], dict[str, ast.expr], list[str]]:
    """(name, positional args, keyword args, ``**`` splats) of ``@name(...)`` / ``@name``."""
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
        kwargs = {k.arg: k.value for k in node.keywords if k.arg is not None}
        splats = [ast.unparse(k.value) for k in node.keywords if k.arg is None]
        return name, list(node.args), kwargs, splats
    return (node.id if isinstance(node, ast.Name) else ast.unparse(node)), [], {}, []


def problems(source: str) -> list[str]:
    """Every rule the module ``source`` breaks, as ``function: what``."""
    tree = ast.parse(source)
    names = constants(tree)
    out: list[str] = []
    for node in tree.body:
        modules = []
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = [node.module or ""]
        elif isinstance(node, ast.Try):
            modules = [
                n.module or "" for n in node.body if isinstance(n, ast.ImportFrom)
            ]  # the guarded xlwings import
        for module in modules:
            if module not in TOP_IMPORTS:
                out.append(f"module: imports {module} at the top (import it in the function)")
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__xlwings_func_namespace__" for t in node.targets
        ):
            out.append("module: sets a namespace (classic ignores it)")
    exported = names.get("__all__", [])
    worksheet = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        decorators = [decorator(d) for d in node.decorator_list]
        if "func" not in [d[0] for d in decorators]:
            continue
        worksheet[node.name] = node
        out += [f"{node.name}: {p}" for p in function_problems(node, decorators, names)]
    if sorted(exported) != sorted(worksheet):
        out.append(f"module: __all__ {sorted(exported)} is not the functions {sorted(worksheet)}")
    upper = [n.upper() for n in worksheet]
    out += [f"{n}: name taken twice ignoring case" for n in set(upper) if upper.count(n) > 1]
    return out


def function_problems(node: ast.FunctionDef, decorators, names) -> list[str]:
    out = []
    if not node.name.startswith("crm_") or not EXCEL_NAME.match(node.name) or len(node.name) > 64:
        out.append("name is not crm_* or not a valid Excel name")
    if decorators[0][0] != "func":
        out.append("@func is not the outermost decorator")
    a = node.args
    if a.posonlyargs or a.kwonlyargs or a.kwarg:
        out.append("keyword-only, positional-only or **kwargs parameters")
    if a.vararg and a.defaults:
        out.append("optional parameters together with *args")
    every = [*a.posonlyargs, *a.args, *([a.vararg] if a.vararg else []), *a.kwonlyargs]
    params = [p.arg for p in every]
    if "caller" in params:
        out.append("a parameter named caller")
    for p in every:
        hint = ast.unparse(p.annotation) if p.annotation is not None else ""
        if hint and (set(re.findall(r"\w+", hint)) & BANNED_HINTS or "|" in hint):
            out.append(f"{p.arg}: hint {hint!r} (Optional/Union/Literal/date)")
    documented = set()
    for name, args, kwargs, splats in decorators:
        options = set(kwargs) | {
            k for s in splats for k in (names.get(s) or {}) if isinstance(names.get(s), dict)
        }
        if options & BANNED_OPTIONS:
            out.append(f"@{name} uses {sorted(options & BANNED_OPTIONS)}")
        if name == "func" and set(kwargs) - FUNC_OPTIONS:
            out.append(f"@func takes {sorted(set(kwargs) - FUNC_OPTIONS)}")
        convert = (
            ast.unparse(args[1])
            if len(args) > 1
            else ast.unparse(kwargs.get("convert", ast.Constant(None)))
        )
        if name == "ret" and args:
            convert = ast.unparse(args[0])
        if (
            "DataFrame" in convert
            and value_of(kwargs.get("index", ast.Constant(None)), names) is not False
        ):
            out.append(f"@{name}: DataFrame without index=False")
        if name == "arg":
            target = value_of(args[0], names) if args else None
            if target not in params:
                out.append(f"@arg names {target!r}, no parameter of that name")
            doc = value_of(kwargs["doc"], names) if "doc" in kwargs else None
            if isinstance(doc, str) and doc_ok(doc, 128):
                documented.add(target)
            else:
                out.append(f"{target}: no argument description in English with the Chinese term")
    for p in params:
        if p not in documented:
            out.append(f"{p}: no @arg(..., doc=...)")
    doc = ast.get_docstring(node, clean=False)
    if not (doc and "\n" not in doc and doc_ok(doc, 255)):
        out.append("docstring is not one line of English with the Chinese term (<= 255)")
    return out


def doc_ok(text: str, limit: int) -> bool:
    return len(text) <= limit and bool(CJK.search(text)) and bool(re.search(r"[A-Za-z]{3}", text))


def test_the_worksheet_functions_keep_to_both_runtimes_rules():
    assert problems(SOURCE.read_text(encoding="utf-8")) == []


def test_the_check_finds_each_broken_rule():
    probe = '''
from __future__ import annotations
import pandas as pd
__xlwings_func_namespace__ = "CRM"
DOC = "Cells (单元格)"
__all__ = ["crm_a"]

@func(category="x")
@arg("values", doc=DOC)
def crm_a(values):
    """Fine (好)."""

@arg("x", doc="Cells (单元格)")
@func(expand="table", name="X")
@ret(pd.DataFrame)
def crm_b(x: Optional[int] = None, *, caller, **more):
    """Two
    lines (行)."""

@func
@arg("d", pd.DataFrame, doc="no chinese")
@arg("nothere", doc="Cells (单元格)")
def CRM_A(d: dt.date, when: Literal["a"], n: int | None, *rest):
    pass
'''
    found = problems(probe)
    expected = [
        "module: imports pandas at the top",
        "module: sets a namespace",
        "module: __all__",
        "CRM_A: name taken twice",
        "crm_b: @func is not the outermost",
        "crm_b: keyword-only",
        "crm_b: a parameter named caller",
        "crm_b: x: hint 'Optional[int]'",
        "crm_b: @func uses ['expand']",
        "crm_b: @func takes ['expand', 'name']",
        "crm_b: @ret: DataFrame without index=False",
        "crm_b: caller: no @arg",
        "crm_b: docstring is not one line",
        "CRM_A: name is not crm_*",
        "CRM_A: d: hint 'dt.date'",
        "CRM_A: when: hint",
        "CRM_A: n: hint 'int | None'",
        "CRM_A: @arg: DataFrame without index=False",
        "CRM_A: d: no argument description",
        "CRM_A: @arg names 'nothere'",
        "CRM_A: rest: no @arg",
        "CRM_A: docstring is not one line",
    ]
    for text in expected:
        assert any(f.startswith(text) for f in found), (text, found)
    assert not any(f.startswith("crm_a:") for f in found)


@pytest.mark.parametrize("name", functions.__all__)
def test_the_functions_are_plain_python_outside_excel(name):
    """Without Excel the decorators leave plain functions (xlwings' no-ops, or the
    stand-ins when xlwings is not installed)."""
    function = getattr(functions, name)
    assert callable(function) and function.__module__ == "xl_crm.excel.functions"
    assert function.__doc__ and not hasattr(function, "__wrapped__")
