"""The in-place writer's layout: one module per package part and per stage of the
streaming patcher (sizes and private imports: tests/test_layout.py, for every module)."""

from __future__ import annotations

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
    assert all(p.exists() for p in WRITER)
