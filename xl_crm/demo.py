"""``make demo``: the main job on local files, end to end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from xl_crm.specs import builtin_names
from xl_crm.workbook.builder import build_workbook


def run_demo(out_dir: Path, *, rows: int = 200, seed: int = 42) -> Iterator[str]:
    """Build each built-in template with sample data; yield a line per file made."""
    out_dir.mkdir(parents=True, exist_ok=True)
    yield f"xl-crm demo -> {out_dir}/"
    jobs = [(name, "zh") for name in builtin_names()] + [("ecommerce", "en"), ("hotel", "en")]
    for name, lang in jobs:
        path = out_dir / f"{name}_{lang}.xlsx"
        result = build_workbook(name, path, lang=lang, sample=rows, seed=seed)  # type: ignore[arg-type]
        sheets = ", ".join(f"{title} {n}" for title, n in result.rows.items())
        yield f"  built {path} ({sheets} rows)"
    blank = out_dir / "ledger_blank_zh.xlsx"
    build_workbook("ledger", blank, lang="zh")
    yield f"  built {blank} (empty template for data entry)"
