"""A sheet's notes (``xl/commentsN.xml``, ECMA-376 Part 1, 18.7): whose they are, and
xl-crm's own replaced.

A cell holds one note.  Notes by xl-crm have the author :data:`AUTHOR`; they are cleared
and written again on every run, and a note by anyone else is never touched.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from xl_crm.xlsx.parts.xmltext import attributes, insert_before_close, root_prefix, start_tags

AUTHOR = "xl-crm validate"  # the builder's header help notes are by "xl-crm"
_AUTHOR = re.compile(r"<(?:\w+:)?author>(.*?)</(?:\w+:)?author>|<(?:\w+:)?author/>")
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
EMPTY = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<comments xmlns='
    '"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><authors></authors>'
    "<commentList></commentList></comments>"
)


def _notes_by_author(xml: str) -> list[tuple[str, str]]:
    """(cell, author) of each note."""
    authors = [a or "" for a in _AUTHOR.findall(xml)]
    out = []
    for tag in start_tags(xml, "comment"):
        a = attributes(tag)
        index = int(a.get("authorId", "0") or 0)
        out.append((a.get("ref", ""), authors[index] if index < len(authors) else ""))
    return out


def noted_by_others(xml: str | None) -> set[str]:
    """The cells (A1 references) that have a note by someone other than xl-crm."""
    return {ref for ref, author in _notes_by_author(xml or "") if author != AUTHOR}


def noted_by_us(xml: str | None) -> set[str]:
    """The cells that have a note by xl-crm (from an earlier run)."""
    return {ref for ref, author in _notes_by_author(xml or "") if author == AUTHOR}


def with_notes(xml: str | None, notes: dict[str, str]) -> str | None:
    """The comments part with xl-crm's earlier notes removed and ``notes`` (A1 reference
    -> text) added, in cell order; None when there was no part and nothing to add."""
    if xml is None and not notes:
        return None
    xml = xml if xml is not None else EMPTY
    p = root_prefix(xml, "comments")
    authors = [a or "" for a in _AUTHOR.findall(xml)]
    if AUTHOR not in authors:
        xml = insert_before_close(xml, "authors", f"<{p}author>{AUTHOR}</{p}author>")
        authors.append(AUTHOR)
    ours = authors.index(AUTHOR)
    xml = re.sub(
        r"<(?:\w+:)?comment\b[^>]*authorId=\"" + str(ours) + r"\".*?</(?:\w+:)?comment>",
        "",
        xml,
        flags=re.S,
    )
    new = "".join(
        f'<{p}comment ref="{ref}" authorId="{ours}"><{p}text><{p}r><{p}t xml:space="preserve">'
        f"{escape(_ILLEGAL_XML.sub('', note))}</{p}t></{p}r></{p}text></{p}comment>"
        for ref, note in sorted(notes.items())
    )
    return insert_before_close(xml, "commentList", new, last=False)
