"""The stored bytes of a package's parts, to show that a write left the others as they were;
and parts replaced, to damage a package on purpose."""

from __future__ import annotations

import zipfile
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
