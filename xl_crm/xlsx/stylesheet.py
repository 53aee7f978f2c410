"""Cell styles in a workbook's ``styles.xml``, found or added as text.

The part is edited as text (a ``<numFmt>``, ``<font>`` or ``<xf>`` appended, the ``count``
attributes raised), so everything else in it stays exactly as the workbook had it, whatever
namespace prefix it uses.  An existing style is reused when it carries nothing but what is
asked for (the default font, fill and border, no alignment or protection), so running twice
adds nothing the second time.  Element order and meaning: ECMA-376 Part 1, 18.8 (Styles).
"""

from __future__ import annotations

import html
import re

from xl_crm.errors import RESAVE, DamagedWorkbookError

_XF = re.compile(r"<(?:\w+:)?xf\b[^>]*?(?:/>|>.*?</(?:\w+:)?xf>)", re.S)
_NUMFMT = re.compile(r'<(?:\w+:)?numFmt\b[^>]*numFmtId="(\d+)"[^>]*formatCode="([^"]*)"')
_FONT = re.compile(r"<(?:\w+:)?font\b[^>]*?(?:/>|>.*?</(?:\w+:)?font>)", re.S)
#: the first id a workbook's own number formats may take (lower ids are built in)
FIRST_CUSTOM_FORMAT = 164


def cell_xfs(styles_xml: str) -> tuple[str, list[str]] | None:
    """The namespace prefix (``""`` or ``"x:"``) and the ``<xf>`` elements of ``<cellXfs>``,
    in index order; None when the part has no ``<cellXfs>``."""
    block = re.search(r"<(\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>", styles_xml, re.S)
    if block is None:
        return None
    return block.group(1) or "", _XF.findall(block.group(2))


def number_formats(styles_xml: str) -> dict[str, str]:
    """The workbook's own number formats: id -> format code (entities decoded)."""
    return {fid: html.unescape(code) for fid, code in _NUMFMT.findall(styles_xml)}


def plain_xf(xf: str, font_id: int = 0) -> bool:
    """Whether a cell style carries nothing but its number format and ``font_id`` (the
    default fill and border, no alignment or protection)."""
    if re.search(r"<(?:\w+:)?(alignment|protection)\b", xf):
        return False
    wanted = {"fontId": str(font_id), "fillId": "0", "borderId": "0", "xfId": "0"}
    return all(
        ((m := re.search(rf'\b{a}="(\d+)"', xf)) is None and v == "0")
        or (m is not None and m.group(1) == v)
        for a, v in wanted.items()
    )


def _bump(xml: str, tag: str, n: int = 1) -> str:
    return re.sub(
        r"(<(?:\w+:)?" + tag + r'\b[^>]*count=")(\d+)',
        lambda m: f"{m.group(1)}{int(m.group(2)) + n}",
        xml,
        count=1,
    )


def add_number_format(styles_xml: str, code: str) -> tuple[str, int]:
    """``styles_xml`` with a ``<numFmt>`` for ``code`` (the existing one when the workbook
    has that code) and its id."""
    formats = number_formats(styles_xml)
    for fid, existing in formats.items():
        if existing == code:
            return styles_xml, int(fid)
    prefix = (m.group(1) or "") if (m := re.search(r"<(\w+:)?styleSheet\b", styles_xml)) else ""
    fid = max([FIRST_CUSTOM_FORMAT - 1, *map(int, formats)]) + 1
    fmt = f'<{prefix}numFmt numFmtId="{fid}" formatCode="{html.escape(code, quote=True)}"/>'
    empty = re.search(r"<(?:\w+:)?numFmts\b[^>]*/>", styles_xml)
    if empty:
        block = f'<{prefix}numFmts count="1">{fmt}</{prefix}numFmts>'
        return styles_xml[: empty.start()] + block + styles_xml[empty.end() :], fid
    if re.search(r"<(?:\w+:)?numFmts\b", styles_xml):
        xml = re.sub(
            r"(<(?:\w+:)?numFmts\b[^>]*>)", lambda m: m.group(1) + fmt, styles_xml, count=1
        )
        return _bump(xml, "numFmts"), fid
    block = f'<{prefix}numFmts count="1">{fmt}</{prefix}numFmts>'
    xml = re.sub(
        r"(<(?:\w+:)?styleSheet\b[^>]*>)", lambda m: m.group(1) + block, styles_xml, count=1
    )
    return xml, fid


def damaged_styles(what: str) -> DamagedWorkbookError:
    """The error for a styles part that lacks ``what`` (an element such as ``<cellXfs>``)."""
    return DamagedWorkbookError(
        (
            f"样式部件 styles.xml 中没有 {what}：文件已损坏",
            f"styles.xml has no {what}: it is damaged",
        ),
        hint=RESAVE,
    )


def add_xf(styles_xml: str, xf: str) -> tuple[str, int]:
    """``styles_xml`` with ``xf`` appended to ``<cellXfs>``, and its index."""
    found = cell_xfs(styles_xml)
    if found is None:
        raise damaged_styles("<cellXfs>")
    index = len(found[1])
    xml = re.sub(r"(</(?:\w+:)?cellXfs>)", lambda m: xf + m.group(1), styles_xml, count=1)
    return _bump(xml, "cellXfs"), index


def format_style(styles_xml: str, code: str, *, font_id: int = 0) -> tuple[str, int]:
    """A cell style showing number format ``code`` (font ``font_id``, nothing else): the
    workbook's own when it has one, else added.  Returns ``(styles_xml, xf index)``; the
    text is unchanged when the style existed."""
    found = cell_xfs(styles_xml)
    if found is None:
        raise damaged_styles("<cellXfs>")
    prefix, xfs = found
    formats = number_formats(styles_xml)
    for i, xf in enumerate(xfs):
        fid = re.search(r'numFmtId="(\d+)"', xf)
        if fid and formats.get(fid.group(1)) == code and plain_xf(xf, font_id):
            return styles_xml, i
    xml, fid = add_number_format(styles_xml, code)
    font = ' applyFont="1"' if font_id else ""
    return add_xf(
        xml,
        f'<{prefix}xf numFmtId="{fid}" fontId="{font_id}" fillId="0" borderId="0" xfId="0" '
        f'applyNumberFormat="1"{font}/>',
    )


def bold_style(styles_xml: str) -> tuple[str, int]:
    """A cell style with the workbook's default font in bold (nothing else), found or
    added with its ``<font>``.  Returns ``(styles_xml, xf index)``."""
    block = re.search(r"<(\w+:)?fonts\b[^>]*>(.*?)</(?:\w+:)?fonts>", styles_xml, re.S)
    found = cell_xfs(styles_xml)
    if block is None or found is None:
        raise damaged_styles("<fonts> or <cellXfs>")
    prefix = block.group(1) or ""
    fonts = _FONT.findall(block.group(2))
    if not fonts:
        raise damaged_styles("<font>")
    base = fonts[0]
    if base.endswith("/>"):
        bold = base[:-2] + f"><{prefix}b/></{prefix}font>"
    else:
        bold = re.sub(r"^(<(?:\w+:)?font\b[^>]*>)", lambda m: m.group(1) + f"<{prefix}b/>", base)
    plain = _font_look(base)[1]
    font_id = next((i for i, f in enumerate(fonts) if _font_look(f) == (True, plain)), None)
    xml = styles_xml
    if font_id is None:
        xml = re.sub(r"(</(?:\w+:)?fonts>)", lambda m: bold + m.group(1), xml, count=1)
        xml = _bump(xml, "fonts")
        font_id = len(fonts)
    for i, xf in enumerate(found[1]):
        fid = re.search(r'numFmtId="(\d+)"', xf)
        if (fid is None or fid.group(1) == "0") and plain_xf(xf, font_id):
            return xml, i
    return add_xf(
        xml,
        f'<{found[0]}xf numFmtId="0" fontId="{font_id}" fillId="0" borderId="0" xfId="0" '
        'applyFont="1"/>',
    )


_BOLD = re.compile(r'<(?:\w+:)?b(?:\s+val="(?:1|true)")?\s*/>')
_CHILD = re.compile(r"<((?:\w+:)?\w+)\b([^>]*?)/?>")


def _font_look(font: str) -> tuple[bool, frozenset[tuple[str, frozenset[str]]]]:
    """Whether a ``<font>`` is bold, and its other settings (element, attributes) in any
    order and spelling (``<b/>`` and ``<b val="1"/>`` are the same)."""
    bold = bool(_BOLD.search(font))
    inner = font[font.find(">") + 1 :] if not font.endswith("/>") else ""
    rest = frozenset(
        (tag.split(":")[-1], frozenset(re.findall(r'\w+="[^"]*"', attrs)))
        for tag, attrs in _CHILD.findall(_BOLD.sub("", inner))
        if tag.split(":")[-1] not in ("font", "b")
    )
    return bold, rest
