"""Relationship parts (``_rels/NAME.rels``): which part refers to which (ECMA-376 Part 2, 9)."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from xl_crm.xlsx.parts.xmltext import attributes, insert_before_close, root_prefix, start_tags

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
COMMENTS = f"{REL_NS}/comments"
VML_DRAWING = f"{REL_NS}/vmlDrawing"
TABLE = f"{REL_NS}/table"
WORKSHEET = f"{REL_NS}/worksheet"
EMPTY = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
    'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>'
)


@dataclass(frozen=True)
class Relationship:
    """One ``<Relationship>``: its ``Id``, ``Type`` URI and the package path it targets."""

    id: str
    type: str
    part: str


def rels_part(part: str) -> str:
    """The relationship part of ``part``: ``xl/worksheets/sheet1.xml`` ->
    ``xl/worksheets/_rels/sheet1.xml.rels``."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(part: str, target: str) -> str:
    """The package path a ``Target`` of ``part``'s relationships points at (relative to
    the part's folder, or absolute from the package root)."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(part), target))


def relationships(xml: str | None, part: str) -> list[Relationship]:
    """The relationships of ``part`` listed in its rels part's text ``xml`` (none for None);
    external targets are left out."""
    out = []
    for tag in start_tags(xml or "", "Relationship"):
        a = attributes(tag)
        if a.get("TargetMode") == "External" or "Target" not in a:
            continue
        out.append(Relationship(a.get("Id", ""), a.get("Type", ""), resolve(part, a["Target"])))
    return out


def add(xml: str | None, part: str, kind: str, target: str) -> tuple[str, str]:
    """``xml`` (a new rels part for None) with a relationship of type ``kind`` from
    ``part`` to the package path ``target`` (written relative to the part), and its new
    ``rId``."""
    xml = xml if xml is not None else EMPTY
    ids = set(re.findall(r'\bId="([^"]*)"', xml))
    n = len(ids) + 1
    while f"rId{n}" in ids:
        n += 1
    rid = f"rId{n}"
    relative = posixpath.relpath(target, posixpath.dirname(part) or ".")
    p = root_prefix(xml, "Relationships")
    entry = f'<{p}Relationship Id="{rid}" Type="{kind}" Target="{relative}"/>'
    return insert_before_close(xml, "Relationships", entry), rid


def without_target(xml: str, name: str) -> str:
    """``xml`` without the relationships whose ``Target`` ends in ``name``."""
    return re.sub(rf'<(?:\w+:)?Relationship\b[^>]*Target="[^"]*{re.escape(name)}"[^>]*/>', "", xml)
