"""The parts of ``xl_crm.excel`` that need no pandas, run by Pyodide under Node, offline.

xlwings Lite runs Python in Pyodide (WebAssembly) inside Excel.  What this test runs:
``node tests/node/pyodide_smoke.mjs ROOT XLWINGS`` with the npm package ``pyodide``
314.0.7 (Python 3.14, emscripten; pinned in tests/node/package-lock.json, installed by
``.ci/run`` with ``npm ci``; this test installs nothing).  Offline, Pyodide has only its
standard library: pandas, numpy and pyarrow come from a CDN, so they cannot be loaded and
xl_crm's package ``__init__`` (which imports pandas) is not run.  The script mounts the
source and the installed xlwings package (pure Python) and runs tests/node/probe.py:
importing ``xl_crm.excel``, ``.values``, ``.functions`` (with xlwings' own decorators),
``xl_crm.privacy`` and ``xl_crm.fields.identifiers``, and reading cells, addresses,
options, results and errors.  The answers must be CPython's.  Whether pandas and pandera
load in Lite's own Pyodide is left to the manual release check (docs/excel.md).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NODE = ROOT / "tests" / "node"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def node_and_pyodide() -> str:
    node = shutil.which("node")
    installed = (NODE / "node_modules" / "pyodide" / "pyodide.asm.wasm").exists()
    if node and installed:
        return node
    why = "node is not on PATH" if not node else "tests/node/node_modules is missing"
    if IN_CI:
        pytest.fail(f"{why}: .ci/run installs Node and runs `npm ci` in tests/node")
    pytest.skip(f"{why}: run `npm ci` in tests/node (Node 18 or later) to run this test")


def test_the_pure_parts_run_in_pyodide_as_in_cpython():
    import xlwings

    node = node_and_pyodide()
    out = subprocess.run(
        [node, str(NODE / "pyodide_smoke.mjs"), str(ROOT), str(Path(xlwings.__file__).parent)],
        capture_output=True,
        text=True,
        cwd=NODE,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    in_pyodide = json.loads(out.stdout.strip().splitlines()[-1])
    assert in_pyodide.pop("platform") == "emscripten"
    assert in_pyodide.pop("pandas") is False  # the probe ran without pandas

    sys.path.insert(0, str(NODE))
    try:
        import probe
    finally:
        sys.path.remove(str(NODE))
    in_cpython = json.loads(json.dumps(probe.run(), ensure_ascii=False))
    assert in_pyodide == in_cpython
    assert len(in_pyodide["functions"]) == 13
