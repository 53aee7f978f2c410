"""The marks' cell styles: each marked cell's style with the mark fill, and back.

A marked cell gets a copy of its style with the mark fill (one step off Excel's light red
preset, so a user's own fill is never taken for a mark); clearing the mark gives it the
style it had.  A cell with a fill of its own keeps it (its note alone marks it), so clearing
never has to guess a fill.
"""

from __future__ import annotations

import re

from xl_crm.xlsx.parts.styles import StyleSheet, xf_attribute

#: light red, one step off Excel's preset so user fills are never taken for marks
MARK_COLOUR = "FFFFC7CD"


def _fill(xf: str) -> int:
    return int(xf_attribute(xf, "fillId", "0") or 0)


def _without_fill(xf: str) -> tuple:
    """An xf compared without its fill: attributes as a set (order and spacing as any
    producer writes them), children as text."""
    head_end = xf.find(">") + 1
    attrs = frozenset(
        (k, v)
        for k, v in re.findall(r'([\w:]+)="([^"]*)"', xf[:head_end])
        if k not in ("fillId", "applyFill")
    )
    body = xf[head_end:] if xf[head_end - 2] != "/" else ""
    return attrs, re.sub(r"\s+", "", body)


class MarkStyles:
    """cellXfs with and without the mark fill, over one :class:`StyleSheet`.

    :attr:`marked` holds the indexes of styles that carry the mark (from an earlier run),
    :attr:`base` the style each of them had before."""

    def __init__(self, sheet: StyleSheet, colour: str = MARK_COLOUR) -> None:
        self.sheet = sheet
        p = sheet.prefix
        mark = re.compile(
            r'patternType="solid".*?<(?:\w+:)?fgColor\b[^>]*rgb="' + colour + '"', re.S
        )
        fills = sheet.fills()
        found = next((i for i, f in enumerate(fills) if mark.search(f)), None)
        self.new_fill = found is None
        self._colour = colour
        self.fill_id = found if found is not None else len(fills)
        self._fill_xml = (
            f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor '
            f'rgb="{colour}"/><{p}bgColor indexed="64"/></{p}patternFill></{p}fill>'
        )
        self.original = len(sheet.xfs)
        self.marked = set()
        if not self.new_fill:
            self.marked = {i for i, xf in enumerate(sheet.xfs) if _fill(xf) == self.fill_id}
        self.base = {i: self._base_of(i) for i in self.marked}

    def _base_of(self, index: int) -> int:
        # marks are only put on styles without a fill of their own, so the original is the
        # same style with no fill
        plain = _without_fill(self.sheet.xfs[index])
        for i, xf in enumerate(self.sheet.xfs):
            if i not in self.marked and _fill(xf) == 0 and _without_fill(xf) == plain:
                return i
        return 0

    def clone_of(self, style: int) -> int:
        """The marked copy of ``style``; a style with a fill of its own is left as it is."""
        if style in self.marked:
            return style
        if _fill(self.sheet.xf(style)) != 0:
            return style
        plain = _without_fill(self.sheet.xf(style))
        for i, xf in enumerate(self.sheet.xfs):
            if (
                _fill(xf) == self.fill_id
                and (i in self.marked or i >= self.original)
                and _without_fill(xf) == plain
            ):
                return i
        if self.new_fill:
            self.fill_id = self.sheet.add_fill(self._fill_xml)
            self.new_fill = False
        return self.sheet.derive(style, {"fillId": str(self.fill_id), "applyFill": "1"})
