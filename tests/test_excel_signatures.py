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

The check reads the source, and runs it once with recording stand-ins for xlwings'
``func``/``arg``/``ret`` (outside Excel the real ones do nothing, so the live functions
carry no metadata) to see the options and descriptions each function gets;
``tests/excel_classic`` checks the metadata the real classic decorators build.
"""

from __future__ import annotations

import ast
import re
import sys
import types
from pathlib import Path
from unittest import mock

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


class Recorder:
    """Stands in for xlwings' decorators and keeps what each function was given:
    ``meta[name] = {"func": options, "args": {parameter: options}, "ret": options}``."""

    def __init__(self) -> None:
        self.meta: dict[str, dict] = {}

    def _of(self, f) -> dict:
        return self.meta.setdefault(f.__name__, {"func": None, "args": {}, "ret": {}, "f": f})

    def func(self, f=None, **options):
        def apply(g):
            self._of(g)["func"] = options
            return g

        return apply(f) if f is not None else apply

    def arg(self, name, convert=None, **options):
        def apply(g):
            self._of(g)["args"][name] = {"convert": convert, **options}
            return g

        return apply

    def ret(self, convert=None, **options):
        def apply(g):
            self._of(g)["ret"] = {"convert": convert, **options}
            return g

        return apply


def recorded(source: str) -> dict[str, dict]:
    """Run ``source`` as a module with :class:`Recorder` standing in for xlwings."""
    recorder = Recorder()
    stand_in = types.ModuleType("xlwings")
    stand_in.func, stand_in.arg, stand_in.ret = recorder.func, recorder.arg, recorder.ret
    namespace = {"__name__": "probe", "func": recorder.func, "arg": recorder.arg}
    namespace["ret"] = recorder.ret
    with mock.patch.dict(sys.modules, {"xlwings": stand_in}):
        exec(compile(source, "functions.py", "exec"), namespace)
    return recorder.meta


def problems(source: str) -> list[str]:
    """Every rule the module ``source`` breaks, as ``function: what``."""
    tree = ast.parse(source)
    out: list[str] = []
    exported: list[str] = []
    for node in tree.body:
        modules = []
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = [node.module or ""]
        elif isinstance(node, ast.Try):  # the guarded xlwings import
            modules = [n.module or "" for n in node.body if isinstance(n, ast.ImportFrom)]
        for module in modules:
            if module not in TOP_IMPORTS:
                out.append(f"module: imports {module} at the top (import it in the function)")
        targets = [t.id for t in getattr(node, "targets", []) if isinstance(t, ast.Name)]
        if "__xlwings_func_namespace__" in targets:
            out.append("module: sets a namespace (classic ignores it)")
        if "__all__" in targets:
            exported = ast.literal_eval(node.value)
    meta = recorded(source)
    worksheet = {}
    for node in tree.body:
        if (
            isinstance(node, ast.FunctionDef)
            and (meta.get(node.name) or {}).get("func") is not None
        ):
            worksheet[node.name] = node
            out += [f"{node.name}: {p}" for p in function_problems(node, meta[node.name])]
    if sorted(exported) != sorted(worksheet):
        out.append(f"module: __all__ {sorted(exported)} is not the functions {sorted(worksheet)}")
    upper = [n.upper() for n in worksheet]
    out += [f"{n}: name taken twice ignoring case" for n in set(upper) if upper.count(n) > 1]
    return out


def function_problems(node: ast.FunctionDef, meta: dict) -> list[str]:
    out = []
    if not node.name.startswith("crm_") or not EXCEL_NAME.match(node.name) or len(node.name) > 64:
        out.append("name is not crm_* or not a valid Excel name")
    first = node.decorator_list[0]
    if (first.func if isinstance(first, ast.Call) else first).id != "func":
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
    if set(meta["func"]) - FUNC_OPTIONS:
        out.append(f"@func takes {sorted(set(meta['func']) - FUNC_OPTIONS)}")
    for where, options in [("@func", meta["func"]), ("@ret", meta["ret"])] + [
        (f"@arg {name!r}", o) for name, o in meta["args"].items()
    ]:
        if set(options) & BANNED_OPTIONS:
            out.append(f"{where} uses {sorted(set(options) & BANNED_OPTIONS)}")
        if "DataFrame" in repr(options.get("convert")) and options.get("index") is not False:
            out.append(f"{where}: DataFrame without index=False")
    for name in meta["args"]:
        if name not in params:
            out.append(f"@arg names {name!r}, no parameter of that name")
    for p in params:
        doc = meta["args"].get(p, {}).get("doc")
        if not (isinstance(doc, str) and doc_ok(doc, 128)):
            out.append(f"{p}: no argument description in English with the Chinese term")
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
        "crm_b: @func takes ['expand', 'name']",
        "crm_b: @func uses ['expand']",
        "crm_b: @ret: DataFrame without index=False",
        "crm_b: caller: no argument description",
        "crm_b: docstring is not one line",
        "CRM_A: name is not crm_*",
        "CRM_A: d: hint 'dt.date'",
        "CRM_A: when: hint",
        "CRM_A: n: hint 'int | None'",
        "CRM_A: @arg 'd': DataFrame without index=False",
        "CRM_A: d: no argument description",
        "CRM_A: @arg names 'nothere'",
        "CRM_A: rest: no argument description",
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
