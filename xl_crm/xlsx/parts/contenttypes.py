"""``[Content_Types].xml``: the content type of each part (ECMA-376 Part 2, 10.1)."""

from __future__ import annotations

import re

from xl_crm.xlsx.parts.xmltext import insert_before_close, root_prefix

COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def has_part(xml: str, part: str) -> bool:
    """Whether an ``Override`` names ``part`` (a package path without the leading ``/``)."""
    return f'PartName="/{part}"' in xml


def with_default(xml: str, extension: str, content_type: str) -> str:
    """``xml`` with a ``Default`` for ``extension`` (unchanged when it has one)."""
    if re.search(rf'Extension="{re.escape(extension)}"', xml, re.I):
        return xml
    p = root_prefix(xml, "Types")
    entry = f'<{p}Default Extension="{extension}" ContentType="{content_type}"/>'
    return insert_before_close(xml, "Types", entry)


def with_override(xml: str, part: str, content_type: str) -> str:
    """``xml`` with an ``Override`` giving ``part`` its content type (unchanged when it
    has one)."""
    if has_part(xml, part):
        return xml
    p = root_prefix(xml, "Types")
    entry = f'<{p}Override PartName="/{part}" ContentType="{content_type}"/>'
    return insert_before_close(xml, "Types", entry)


def without_override(xml: str, part: str) -> str:
    """``xml`` without the ``Override`` of ``part``."""
    return re.sub(rf'<(?:\w+:)?Override\b[^>]*PartName="/{re.escape(part)}"[^>]*/>', "", xml)
