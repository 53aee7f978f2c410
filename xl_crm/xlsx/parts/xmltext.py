"""Text edits of a package part's XML, shared by the part modules.

Parts are edited as text, not parsed and re-serialised, so that what is not edited stays
byte for byte as the producer wrote it (its namespace prefixes, attribute order, spacing).
Every function takes and returns the part's text (``str``).
"""

from __future__ import annotations

import re

from xl_crm.errors import DamagedWorkbookError


def root_prefix(xml: str, tag: str) -> str:
    """The namespace prefix (``""`` or ``"x:"``) of the first ``<tag>`` element."""
    m = re.search(rf"<(\w+:)?{tag}\b", xml)
    return (m.group(1) or "") if m else ""


def namespace_prefix(xml: str, uri: str) -> str | None:
    """The prefix bound to namespace ``uri`` (``xmlns:r="..."`` gives ``"r"``), or None."""
    m = re.search(rf'xmlns:(\w+)="{re.escape(uri)}"', xml)
    return m.group(1) if m else None


def bump_count(xml: str, tag: str, n: int = 1) -> str:
    """``xml`` with ``n`` added to the ``count`` attribute of the first ``<tag>``."""
    pattern = re.compile(r"(<(?:\w+:)?" + tag + r'\b[^>]*\bcount=")(\d+)')
    return pattern.sub(lambda m: f"{m.group(1)}{int(m.group(2)) + n}", xml, count=1)


def insert_before_close(xml: str, tag: str, text: str, *, last: bool = True) -> str:
    """``xml`` with ``text`` inserted before the (last, or first) ``</tag>``; a
    self-closing ``<tag/>`` is opened to take it.  Raises WorkbookError when the part has
    neither (a damaged part)."""
    closes = list(re.finditer(rf"</(?:\w+:)?{tag}>", xml))
    if closes:
        at = closes[-1 if last else 0].start()
        return xml[:at] + text + xml[at:]
    empty = re.search(rf"<((?:\w+:)?{tag})\b([^>]*?)\s*/>", xml)
    if empty is not None:
        name = empty.group(1)
        opened = f"<{name}{empty.group(2)}>{text}</{name}>"
        return xml[: empty.start()] + opened + xml[empty.end() :]
    raise DamagedWorkbookError(
        (
            f"工作簿部件中没有 </{tag}>：文件已损坏",
            f"no </{tag}> in a workbook part: the workbook is damaged",
        )
    )


def start_tags(xml: str, tag: str) -> list[str]:
    """Every ``<tag ...>`` start (or empty) tag of ``xml``, any prefix."""
    return re.findall(rf"<(?:\w+:)?{tag}\b[^>]*>", xml)


def attributes(tag: str) -> dict[str, str]:
    """The attributes of one start tag as written (entities not decoded), prefixed names
    kept as they are (``r:id``)."""
    return dict(re.findall(r'([\w:.-]+)="([^"]*)"', tag))
