"""Cell styles in a workbook's ``styles.xml``, found or added as text: the one editor of
``cellXfs`` (:class:`StyleSheet`), for the column writer's date and money styles, the marks'
fill and a new sheet's header style alike.

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
from xl_crm.xlsx.parts.xmltext import bump_count, insert_before_close

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


def damaged_styles(what: str) -> DamagedWorkbookError:
    """The error for a styles part that lacks ``what`` (an element such as ``<cellXfs>``)."""
    return DamagedWorkbookError(
        (
            f"样式部件 styles.xml 中没有 {what}：文件已损坏",
            f"styles.xml has no {what}: it is damaged",
        ),
        hint=RESAVE,
    )


def _cell_xfs(styles_xml: str) -> tuple[str, list[str]]:
    found = cell_xfs(styles_xml)
    if found is None:
        raise damaged_styles("<cellXfs>")
    return found


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
        return bump_count(xml, "numFmts"), fid
    block = f'<{prefix}numFmts count="1">{fmt}</{prefix}numFmts>'
    xml = re.sub(
        r"(<(?:\w+:)?styleSheet\b[^>]*>)", lambda m: m.group(1) + block, styles_xml, count=1
    )
    return xml, fid


def add_xf(styles_xml: str, xf: str) -> tuple[str, int]:
    """``styles_xml`` with ``xf`` appended to ``<cellXfs>``, and its index."""
    index = len(_cell_xfs(styles_xml)[1])
    xml = re.sub(r"(</(?:\w+:)?cellXfs>)", lambda m: xf + m.group(1), styles_xml, count=1)
    return bump_count(xml, "cellXfs"), index


def format_style(styles_xml: str, code: str, *, font_id: int = 0) -> tuple[str, int]:
    """A cell style showing number format ``code`` (font ``font_id``, nothing else): the
    workbook's own when it has one, else added.  Returns ``(styles_xml, xf index)``; the
    text is unchanged when the style existed."""
    prefix, xfs = _cell_xfs(styles_xml)
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
        raise damaged_styles("<fonts>")
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
        xml = bump_count(xml, "fonts")
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


_FILLS = re.compile(r"<(\w+:)?fills\b[^>]*>(.*?)</(?:\w+:)?fills>", re.S)
_FILL = re.compile(r"<(?:\w+:)?fill\b.*?</(?:\w+:)?fill>|<(?:\w+:)?fill\b[^>]*/>", re.S)


def xf_attribute(xf: str, name: str, default: str | None = None) -> str | None:
    """The value of attribute ``name`` on an ``<xf>`` start tag (``default`` without)."""
    m = re.search(rf'\b{name}="([^"]*)"', xf[: xf.find(">") + 1])
    return m.group(1) if m else default


class StyleSheet:
    """``styles.xml`` being edited: cell styles found, derived from others, added.

    ``text`` is the part as edited so far; :attr:`changed` says whether it differs from the
    workbook's.  Indexes are those of ``<cellXfs>``; a derived style is made once per
    (base, attributes) however often it is asked for.  Raises WorkbookError for a part
    without ``<cellXfs>``."""

    def __init__(self, xml: str) -> None:
        self.original = xml
        self.text = xml
        self.prefix, self.xfs = _cell_xfs(xml)
        self._derived: dict[tuple[int, tuple[tuple[str, str], ...]], int] = {}

    @property
    def changed(self) -> bool:
        return self.text != self.original

    def xf(self, index: int) -> str:
        """The ``<xf>`` of style ``index`` (an empty one past the end, as Excel reads it)."""
        return self.xfs[index] if 0 <= index < len(self.xfs) else "<xf/>"

    def _added(self, xml: str, index: int) -> int:
        self.text = xml
        self.xfs = _cell_xfs(xml)[1]
        return index

    def add(self, xf: str) -> int:
        """Append ``xf`` to ``<cellXfs>``; its index."""
        return self._added(*add_xf(self.text, xf))

    def derive(self, base: int, attrs: dict[str, str]) -> int:
        """A copy of style ``base`` with ``attrs`` set (its font, border, alignment ...
        kept), made once; its index."""
        key = (base, tuple(attrs.items()))
        if key not in self._derived:
            source = self.xf(base)
            head_end = source.find(">")
            cut = head_end - (1 if source[head_end - 1] == "/" else 0)
            names = "|".join(map(re.escape, attrs))
            head = re.sub(rf'\s+({names})="[^"]*"', "", source[:cut])
            added = "".join(f' {k}="{v}"' for k, v in attrs.items())
            self._derived[key] = self.add(head + added + source[cut:])
        return self._derived[key]

    def format_style(self, code: str, *, font_id: int = 0) -> int:
        """See :func:`format_style`: a style showing ``code``, found or added."""
        return self._added(*format_style(self.text, code, font_id=font_id))

    def bold_style(self) -> int:
        """See :func:`bold_style`: the default font in bold, found or added."""
        return self._added(*bold_style(self.text))

    def fills(self) -> list[str]:
        """The ``<fill>`` elements of ``<fills>``, in index order."""
        block = _FILLS.search(self.text)
        return _FILL.findall(block.group(2)) if block else []

    def add_fill(self, fill: str) -> int:
        """Append ``fill`` (written with the part's prefix by the caller) to ``<fills>``;
        its index."""
        index = len(self.fills())
        self.text = bump_count(insert_before_close(self.text, "fills", fill, last=False), "fills")
        return index
