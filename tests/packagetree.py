"""The package tree as ``LC_ALL=C tree xl_crm -I __pycache__`` prints it, for
docs/architecture.md (its test says when the page is stale)."""

from __future__ import annotations

from pathlib import Path


def package_tree(root: Path) -> str:
    """``root``'s directories and .py files, drawn as ``tree`` draws them, with its
    closing count line."""
    lines = [root.name]
    counts = [0, 0]  # directories, files

    def walk(folder: Path, prefix: str) -> None:
        entries = sorted(
            p
            for p in folder.iterdir()
            if p.name != "__pycache__" and (p.is_dir() or p.suffix == ".py")
        )
        for i, entry in enumerate(entries):
            last = i == len(entries) - 1
            lines.append(f"{prefix}{'└── ' if last else '├── '}{entry.name}")
            if entry.is_dir():
                counts[0] += 1
                walk(entry, prefix + ("    " if last else "│   "))
            else:
                counts[1] += 1

    walk(root, "")
    lines += ["", f"{counts[0]} directories, {counts[1]} files"]
    return "\n".join(lines)
