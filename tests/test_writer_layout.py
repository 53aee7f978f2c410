"""The in-place writer's layout: one module per package part and per stage of the
streaming patcher, none over ~500 lines, and only public names taken across modules."""

from __future__ import annotations

import ast
from pathlib import Path

import xl_crm.xlsx

XLSX = Path(xl_crm.xlsx.__file__).parent
WRITER = [
    *sorted((XLSX / "parts").glob("*.py")),
    *sorted((XLSX / "sheetpatch").glob("*.py")),
    *(XLSX / f"{name}.py" for name in ("inplace", "marks", "newsheet", "atomic", "placement",
                                        "references", "valuestyles", "markstyles")),
]  # fmt: skip


def test_the_writer_is_split_by_part_and_stage():
    names = {p.relative_to(XLSX).as_posix() for p in WRITER}
    for part in ("contenttypes", "rels", "comments", "vml", "tables", "workbook", "styles"):
        assert f"parts/{part}.py" in names
    for stage in ("values", "rowplan", "stream", "fast", "general", "patch"):
        assert f"sheetpatch/{stage}.py" in names
    long = {p.name: n for p in WRITER if (n := len(p.read_text().splitlines())) > 510}
    assert not long


def test_no_private_name_is_imported_from_another_module():
    taken = []
    for path in XLSX.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("xl_crm"):
                taken += [(path.name, node.module, a.name) for a in node.names
                          if a.name.startswith("_") and a.name != "__version__"]  # fmt: skip
    assert not taken
