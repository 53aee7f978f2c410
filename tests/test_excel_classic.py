"""Classic xlwings' own machinery over the worksheet functions, in a process of its own.

``tests/excel_classic/classic_checks.py`` puts pywin32 stand-ins into ``sys.modules``
(research note ``../shared/research/xlwings.md`` §3.5, §7 layer C), which must not leak
into this process: it runs as its own pytest invocation, and this test passes only when
all of its checks ran and passed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKS = Path("tests") / "excel_classic" / "classic_checks.py"


def test_the_classic_machinery_runs_the_functions_in_its_own_process():
    out = subprocess.run(
        [sys.executable, "-m", "pytest", str(CHECKS), "-q", "-p", "no:cacheprovider"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    ran = re.search(r"(\d+) passed", out.stdout)
    assert ran and int(ran.group(1)) >= 9, out.stdout[-2000:]
    assert "skipped" not in out.stdout and "xfail" not in out.stdout


def test_this_process_has_no_pywin32_stand_ins():
    assert "pythoncom" not in sys.modules and "xlwings.udfs" not in sys.modules
