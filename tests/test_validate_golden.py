"""Golden tests: small broken fixture files and the findings they must give, exactly.

Regenerate the expected files after a deliberate change with UPDATE_GOLDEN=1 and review the
diff: every line is a cell, a rule and the English message.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from xl_crm import validate

BOOKS = Path(__file__).parent / "fixtures" / "books"
GOLDEN = Path(__file__).parent / "golden" / "validate"
CASES = [
    ("guests_missing_column.csv", "hotel"),
    ("guests_messy.csv", "hotel"),
    ("stays.csv", "hotel"),
]


def flatten(report) -> list[list]:
    return [[f.where, f.rule, f.severity, f.value, f.message_en] for f in report.findings]


@pytest.mark.parametrize(("book", "template"), CASES)
def test_golden_findings(book, template):
    report = validate(BOOKS / book, template=template)
    got = flatten(report)
    golden = GOLDEN / (Path(book).stem + ".json")
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert got == json.loads(golden.read_text(encoding="utf-8"))
