"""What xlwings Lite imports (``from xl_crm.excel.lite import *``) loads without fastexcel,
calamine, threads or sockets (Pyodide has none of them); and the shells keep to what
each runtime calls: a Lite script has exactly one ``xw.Book`` parameter (Lite passes the
workbook there), a classic macro none and no parameter without a default (RunPython
calls it with no arguments)."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import typing
from pathlib import Path

import pytest
import xlwings as xw

from tests.pyodide_limits import PRELUDE
from xl_crm.excel import classic, lite
from xl_crm.specs import builtin_names

ROOT = Path(__file__).resolve().parents[1]

PROBE = (
    PRELUDE
    + r"""
namespace = {}
exec("from xl_crm.excel.lite import *", namespace)
import xl_crm.excel.lite as lite

print(json.dumps({
    "names": sorted(n for n in namespace if not n.startswith("__")),
    "all": sorted(lite.__all__),
    "blocked": [sys.modules[n] is None for n in ("fastexcel", "python_calamine", "zlib_ng")],
}))
"""
)


def test_lite_imports_without_calamine_threads_or_sockets():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["blocked"] == [True, True, True]  # still blocked: nothing needed them
    assert got["names"] == got["all"]
    assert {s.__name__ for s in lite.SCRIPTS} <= set(got["names"])


def book_parameters(fn) -> list[str]:
    """The parameters annotated ``xw.Book`` (the class object, as Lite compares them)."""
    return [p.name for p in inspect.signature(fn).parameters.values() if p.annotation is xw.Book]


def test_every_lite_script_has_exactly_one_book_parameter_and_the_rest_have_defaults():
    assert len(lite.SCRIPTS) == 5
    for script in lite.SCRIPTS:
        params = list(inspect.signature(script).parameters.values())
        assert book_parameters(script) == ["book"] == [params[0].name], script.__name__
        assert all(p.default is not p.empty for p in params[1:]), script.__name__
        assert inspect.iscoroutinefunction(script) and script.__doc__
        assert script.__name__ in lite.__all__


def test_the_template_choice_of_the_lite_scripts_lists_the_built_in_templates():
    choices = typing.get_args(lite.Template)
    assert choices[0] == "auto" and sorted(choices[1:]) == sorted(builtin_names())
    build = inspect.signature(lite.build_template).parameters["template"].annotation
    assert sorted(typing.get_args(build)) == sorted(builtin_names())


def test_every_classic_macro_runs_without_arguments_and_takes_no_book():
    assert len(classic.MACROS) == len(lite.SCRIPTS)
    for macro in classic.MACROS:
        params = inspect.signature(macro).parameters.values()
        assert book_parameters(macro) == [], macro.__name__
        assert all(p.default is not p.empty for p in params), macro.__name__
        assert not inspect.iscoroutinefunction(macro) and macro.__doc__
        assert "RunPython" in macro.__doc__
    assert {m.__name__ for m in classic.MACROS} == {s.__name__ for s in lite.SCRIPTS}


def test_the_book_check_itself_can_fail():
    """It finds the parameter by the annotation object: a text annotation (what
    ``from __future__ import annotations`` makes, as in this module) does not count, as it
    does not for Lite."""

    def as_text(book: xw.Book): ...

    namespace = {"xw": xw}
    source = "def wrong(book, other: xw.Book): ...\ndef right(book: xw.Book): ..."
    exec(compile(source, "<probe>", "exec", dont_inherit=True), namespace)
    assert book_parameters(namespace["wrong"]) == ["other"]
    assert book_parameters(namespace["right"]) == ["book"]
    assert book_parameters(as_text) == []


@pytest.mark.parametrize("native", ["fastexcel", "zlib-ng", "psutil"])
def test_installing_xl_crm_in_pyodide_skips_packages_without_a_pyodide_build(native):
    """Lite installs ``xl-crm`` with micropip, which finds no Pyodide build of fastexcel or
    zlib-ng: each requirement carries a marker that leaves it out there (Lite never reads
    files, and the writer falls back to the standard zlib)."""
    import importlib.metadata
    import re

    from packaging.requirements import Requirement

    required = [Requirement(r) for r in importlib.metadata.requires("xl-crm") or []]
    package = next(r for r in required if r.name == native)
    assert package.marker is not None
    assert not package.marker.evaluate({"sys_platform": "emscripten"})
    assert package.marker.evaluate({"sys_platform": "linux"})
    excel = next(r for r in required if r.name == "xlwings" and "excel" in str(r.marker))
    assert re.search(r">=\s*0\.37\.8", str(excel.specifier))
