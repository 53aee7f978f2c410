"""The notes' shapes in a sheet's VML part (``xl/drawings/vmlDrawingN.vml``).

Excel shows a note through a VML shape of type ``#_x0000_t202`` (a text box), anchored
beside its cell.  A VML part may already hold other shapes (form controls, buttons) and
may lack that shape type, so it is defined when absent.  Shape ids follow Excel's scheme
([MS-OI29500] 2.1.1323, [MS-VML]): each VML part claims blocks of 1,024 ids in
``<o:idmap data="...">`` and its shapes are ``_x0000_s{1024 * block + n}``; a block is
never shared by two parts of the workbook, so ids never clash across sheets.
"""

from __future__ import annotations

import re

from openpyxl.utils import column_index_from_string

from xl_crm.xlsx.parts.xmltext import insert_before_close

NS = {
    "v": "urn:schemas-microsoft-com:vml",
    "o": "urn:schemas-microsoft-com:office:office",
    "x": "urn:schemas-microsoft-com:office:excel",
}
BLOCK_IDS = 1024
EMPTY = (
    '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:'
    'office:office" xmlns:x="urn:schemas-microsoft-com:office:excel"></xml>'
)
NOTE_SHAPETYPE = (
    '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
    'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
    '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
)
_IDMAP = re.compile(r'<(?:\w+:)?idmap\b[^>]*\bdata="([^"]*)"[^>]*>')
_SHAPE = re.compile(r"<(?P<p>(?:\w+:)?)shape\b(?:[^>]*/>|[^>]*>.*?</(?P=p)shape>)", re.S)
_SHAPE_NUMBER = re.compile(r"_x0000_s(\d+)")
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")


def idmap_blocks(xml: str | None) -> set[int]:
    """The id blocks a VML part claims (``<o:idmap data="1,3"/>`` -> {1, 3})."""
    out: set[int] = set()
    for data in _IDMAP.findall(xml or ""):
        out.update(int(x) for x in re.findall(r"\d+", data))
    return out


def _note_cell(shape: str) -> tuple[int, int] | None:
    """(row, column), 0-based, of a note shape; None for any other shape."""
    if not re.search(r'ObjectType="Note"', shape):
        return None
    row = re.search(r"<(?:\w+:)?Row>\s*(\d+)\s*<", shape)
    col = re.search(r"<(?:\w+:)?Column>\s*(\d+)\s*<", shape)
    return (int(row.group(1)), int(col.group(1))) if row and col else None


def _cell(ref: str) -> tuple[int, int]:
    m = _CELL_REF.match(ref)
    return int(m.group(2)) - 1, column_index_from_string(m.group(1)) - 1


def _note_shape(number: int, row: int, col: int) -> str:
    return (
        f'<v:shape id="_x0000_s{number}" type="#_x0000_t202" style="position:'
        "absolute;margin-left:80pt;margin-top:2pt;width:180pt;height:60pt;z-index:1;"
        'visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
        '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
        '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div>'
        '</v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
        f"<x:Anchor>{col + 1}, 15, {max(row - 1, 0)}, 10, {col + 4}, 15, {row + 3}, 4"
        "</x:Anchor><x:AutoFill>False</x:AutoFill>"
        f"<x:Row>{row}</x:Row><x:Column>{col}</x:Column></x:ClientData></v:shape>"
    )


def with_notes(xml: str | None, notes: set[str], cleared: set[str], taken: set[int]) -> str | None:
    """The VML part with the note shapes of ``cleared`` cells (xl-crm's earlier notes)
    removed and one shape for each cell of ``notes`` (A1 references) added; None when
    there was no part and nothing to add.

    ``taken`` is the id blocks every other VML part of the workbook claims: a new block
    for this part is one outside them."""
    if xml is None and not notes:
        return None
    xml = xml if xml is not None else EMPTY
    gone = {_cell(ref) for ref in cleared}

    def keep(m: re.Match) -> str:
        shape = m.group(0)
        ours = re.search(r'\bid="xlcrm_', shape[: shape.find(">")])  # written before 0.x
        return "" if ours or _note_cell(shape) in gone else shape

    xml = _SHAPE.sub(keep, xml)
    if not notes:
        return xml
    xml = _declare_namespaces(xml)
    blocks = sorted(idmap_blocks(xml))
    usable = [b for b in blocks if b not in taken]  # a block two parts claim is avoided
    used = {int(n) for n in _SHAPE_NUMBER.findall(xml)}
    numbers: list[int] = []
    while len(numbers) < len(notes):
        free = (
            n
            for b in usable
            for n in range(b * BLOCK_IDS + 1, (b + 1) * BLOCK_IDS)
            if n not in used and n not in numbers
        )
        numbers += [n for _, n in zip(range(len(notes) - len(numbers)), free, strict=False)]
        if len(numbers) < len(notes):
            block = next(b for b in range(1, 1 << 20) if b not in taken and b not in blocks)
            blocks.append(block)
            usable.append(block)
            xml = _claim(xml, blocks)
    if not re.search(r'<(?:\w+:)?shapetype\b[^>]*\bid="_x0000_t202"', xml):
        xml = _after_layout(xml, NOTE_SHAPETYPE)
    shapes = "".join(
        _note_shape(number, *_cell(ref)) for number, ref in zip(numbers, sorted(notes), strict=True)
    )
    return insert_before_close(xml, "xml", shapes)


def _declare_namespaces(xml: str) -> str:
    """The v, o and x prefixes the shapes use, declared on the root when the part lacks
    them (openpyxl writes its VML with other prefixes)."""
    root = re.search(r"<xml\b[^>]*>", xml)
    if root is None:
        return xml
    missing = "".join(
        f' xmlns:{p}="{uri}"' for p, uri in NS.items() if f"xmlns:{p}=" not in root.group(0)
    )
    return xml[: root.start() + 4] + missing + xml[root.start() + 4 :]


def _claim(xml: str, blocks: list[int]) -> str:
    """``xml`` whose ``<o:idmap>`` lists ``blocks`` (one added when it has none)."""
    data = ",".join(map(str, blocks))
    m = _IDMAP.search(xml)
    if m is not None:
        return xml[: m.start(1)] + data + xml[m.end(1) :]
    layout = f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{data}"/></o:shapelayout>'
    root = re.search(r"<xml\b[^>]*>", xml)
    return xml[: root.end()] + layout + xml[root.end() :]


def _after_layout(xml: str, text: str) -> str:
    """``xml`` with ``text`` after its ``<o:shapelayout>`` (or first in the root)."""
    end = re.search(r"</(?:\w+:)?shapelayout>", xml)
    if end is None:
        end = re.search(r"<xml\b[^>]*>", xml)
    return xml[: end.end()] + text + xml[end.end() :]
