"""The stored bytes of a package's parts, to show that a write left the others as they were;
and parts replaced, to damage a package on purpose."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

from xl_crm.xlsx.zipcopy import raw_member


def raw_parts(path: Path) -> dict[str, bytes]:
    """Every member's local header and compressed bytes, as stored, by member name."""
    with zipfile.ZipFile(path) as z, path.open("rb") as fh:
        return {info.filename: raw_member(fh, info) for info in z.infolist()}


def replace_parts(path: Path, parts: dict[str, bytes]) -> None:
    """Rewrite the package at ``path`` with ``parts`` (name -> bytes) in place of its own
    members of those names (a damaged part, say); the other members are kept."""
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members.update(parts)
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


def edit_parts(
    path: Path,
    edits: dict[str, Callable[[bytes], bytes]],
    added: dict[str, bytes | str] | None = None,
) -> Path:
    """Rewrite the package at ``path`` with each part named in ``edits`` passed through its
    function and the ``added`` parts appended (a workbook edited by hand, as another
    program would write it)."""
    with zipfile.ZipFile(path) as z:
        items = [(info, z.read(info)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            edit = edits.get(info.filename)
            z.writestr(info, edit(data) if edit is not None else data)
        for name, data in (added or {}).items():
            z.writestr(name, data)
    return path
