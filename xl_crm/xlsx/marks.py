"""Marking cells in a workbook in place: a fill colour and a note on each marked cell.

``mark_cells`` first clears the marks it made before on that sheet (its fill, and notes
whose author is ``xl-crm``), then marks the given cells, so running it again with the same
findings gives the same workbook.  Like the column writer, it rewrites only the worksheet,
``styles.xml``, the sheet's comments and VML parts, its relationships and the content types;
every other part is copied byte for byte, and the original is replaced atomically.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import column_index_from_string

from xl_crm.errors import CellNotWritableError, DamagedWorkbookError, WorkbookError
from xl_crm.xlsx.inplace import AtomicReplace, _refuse_unsupported
from xl_crm.xlsx.package import rewrite_member, sheet_parts
from xl_crm.xlsx.sheetpatch import (
    _ATTR_S,
    _CELL,
    _ROW,
    _ROW_START,
    ILLEGAL_XML,
    SHEET_XML_CUT,
    column_styles,
)
from xl_crm.xlsx.zipcopy import PackageRewriter

AUTHOR = "xl-crm validate"  # the builder's header help notes are by "xl-crm"
MARK_COLOUR = (
    "FFFFC7CD"  # light red, one step off Excel's preset so user fills are never taken for marks
)
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_COMMENTS_TYPE = f"{_REL_NS}/comments"
_VML_TYPE = f"{_REL_NS}/vmlDrawing"
_VML_NS = {
    "v": "urn:schemas-microsoft-com:vml",
    "o": "urn:schemas-microsoft-com:office:office",
    "x": "urn:schemas-microsoft-com:office:excel",
}
_SHEET_DATA_END = re.compile(r"</(?:\w+:)?sheetData>")
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")
_ROW_NUMBER = re.compile(r'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')


@dataclass
class MarkResult:
    path: Path
    sheet: str
    marked: int
    backup: Path | None


def mark_cells(
    book: str | Path,
    sheet: str,
    marks: dict[str, str],
    *,
    colour: str = MARK_COLOUR,
    backups: int = 5,
) -> MarkResult:
    """Fill and annotate ``marks`` (A1 ref -> note) on ``sheet``; clear earlier marks."""
    path = Path(book)
    _refuse_unsupported(path)
    for ref in marks:
        if not _CELL_REF.match(ref):
            raise CellNotWritableError(
                (f"{ref!r} 不是单元格引用", f"not a cell reference: {ref!r}"),
                file=path,
                sheet=sheet,
                expected=("A1 形式的引用，如 B7", "an A1 reference such as B7"),
            )
    try:
        with zipfile.ZipFile(path) as src:
            part = sheet_parts(path)[sheet]
            names = set(src.namelist())
            rels_part = posixpath.join(
                posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels"
            )
            rels = src.read(rels_part).decode("utf-8") if rels_part in names else None
            styles = _Styles(src.read("xl/styles.xml").decode("utf-8"), colour)
            # one pass over the sheet: the marked cells' styles, and the header/footer
            # picture's VML (legacyDrawingHF), which is not the notes' VML
            wanted, hf_ids = _scan_sheet(src, part, marks, bool(rels and _VML_TYPE in rels))
            clones = {ref: styles.clone_of(style) for ref, style in wanted.items()}
            comments_part, vml_part, rels = _note_parts(part, rels, names, bool(marks), hf_ids)
            old_comments = (
                src.read(comments_part).decode("utf-8") if comments_part in names else None
            )
            # a cell holds one note: where the user has one, the fill alone marks the cell
            taken = _noted_by_others(old_comments)
            notes = {ref: note for ref, note in marks.items() if ref not in taken}
            comments_xml = _comments(old_comments, notes)
            vml_xml = _vml(src.read(vml_part).decode("utf-8") if vml_part in names else None, notes)
            content_types = _content_types(
                src.read("[Content_Types].xml").decode("utf-8"), comments_part, vml_part
            )
            legacy_id = _legacy_id(rels, vml_part, part, hf_ids)
            with AtomicReplace(path, backups) as (out, done):
                rewriter = PackageRewriter(src, out)
                replaced = {
                    part: None,
                    "xl/styles.xml": styles.xml().encode("utf-8"),
                    "[Content_Types].xml": content_types.encode("utf-8"),
                }
                if rels is not None:
                    replaced[rels_part] = rels.encode("utf-8")
                if comments_xml is not None:
                    replaced[comments_part] = comments_xml.encode("utf-8")
                if vml_xml is not None:
                    replaced[vml_part] = vml_xml.encode("utf-8")
                for info in src.infolist():
                    if info.filename == part:
                        _write_sheet(src, info, out, styles, clones, legacy_id)
                    elif info.filename in replaced:
                        out.writestr(info, replaced.pop(info.filename))
                    else:
                        rewriter.copy(info)
                for name, data in replaced.items():  # parts that did not exist yet
                    if data is not None:
                        out.writestr(name, data)
    except WorkbookError as exc:  # raised deep in the stream: add the file and sheet
        raise exc.located(path, sheet) from None
    backup = done.backup
    return MarkResult(path, sheet, len(marks), backup)


def _write_sheet(src, info, out, styles, clones, legacy_id) -> None:
    def transform(raw) -> Iterator[bytes]:
        for text in _patch_sheet(_row_blocks(raw), styles, clones, legacy_id):
            yield text.encode("utf-8")

    rewrite_member(src, info, out, transform)


class _Styles:
    """cellXfs with and without the mark fill."""

    def __init__(self, xml: str, colour: str) -> None:
        self.text = xml
        fills = re.search(r"<(\w+:)?fills\b[^>]*>(.*?)</(?:\w+:)?fills>", xml, re.S)
        self.prefix = (fills.group(1) or "") if fills else ""
        items = (
            re.findall(
                r"<(?:\w+:)?fill\b.*?</(?:\w+:)?fill>|<(?:\w+:)?fill\b[^>]*/>", fills.group(2), re.S
            )
            if fills
            else []
        )
        p = self.prefix
        self.fill_xml = (
            f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor '
            f'rgb="{colour}"/><{p}bgColor indexed="64"/></{p}patternFill></{p}fill>'
        )
        mark = re.compile(
            r'patternType="solid".*?<(?:\w+:)?fgColor\b[^>]*rgb="' + colour + '"', re.S
        )
        self.fill_id = next((i for i, f in enumerate(items) if mark.search(f)), None)
        self.new_fill = self.fill_id is None
        if self.fill_id is None:
            self.fill_id = len(items)
        block = re.search(r"<(?:\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>", xml, re.S)
        self.xfs = re.findall(
            r"<(?:\w+:)?xf\b[^>]*?(?:/>|>.*?</(?:\w+:)?xf>)", block.group(1), re.S
        )
        self.added: list[str] = []
        self.marked = {
            i
            for i, xf in enumerate(self.xfs)
            if self._fill(xf) == self.fill_id and not self.new_fill
        }
        self.base = {i: self._base_of(i) for i in self.marked}

    @staticmethod
    def _fill(xf: str) -> int:
        m = re.search(r'\bfillId="(\d+)"', xf[: xf.find(">") + 1])
        return int(m.group(1)) if m else 0

    @staticmethod
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

    def _base_of(self, index: int) -> int:
        # marks are only put on styles without a fill of their own, so the original is the
        # same style with no fill
        plain = self._without_fill(self.xfs[index])
        for i, xf in enumerate(self.xfs):
            if i not in self.marked and self._fill(xf) == 0 and self._without_fill(xf) == plain:
                return i
        return 0

    def clone_of(self, style: int) -> int:
        """The marked copy of ``style``; a style with a fill of its own is left as it is (its
        cell is marked by the note alone, so clearing the mark never has to guess a fill)."""
        if style in self.marked:
            return style
        if style < len(self.xfs) and self._fill(self.xfs[style]) != 0:
            return style
        plain = self._without_fill(self.xfs[style] if style < len(self.xfs) else "<xf/>")
        everything = self.xfs + self.added
        for i, xf in enumerate(everything):
            if (
                self._fill(xf) == self.fill_id
                and self._without_fill(xf) == plain
                and (i in self.marked or i >= len(self.xfs))
            ):
                return i
        source = self.xfs[style] if style < len(self.xfs) else "<xf/>"
        head_end = source.find(">")
        closing = source[head_end - 1] == "/"
        head = re.sub(
            r'\s+(fillId|applyFill)="[^"]*"', "", source[: head_end - (1 if closing else 0)]
        )
        clone = (
            f'{head} fillId="{self.fill_id}" applyFill="1"'
            + source[head_end - (1 if closing else 0) :]
        )
        self.added.append(clone)
        return len(self.xfs) + len(self.added) - 1

    def xml(self) -> str:
        text = self.text
        if self.new_fill:
            text = re.sub(
                r"(</(?:\w+:)?fills>)", self.fill_xml.replace("\\", "\\\\") + r"\1", text, count=1
            )
            text = re.sub(
                r'(<(?:\w+:)?fills\b[^>]*count=")(\d+)',
                lambda m: f"{m.group(1)}{int(m.group(2)) + 1}",
                text,
                count=1,
            )
        if self.added:
            text = re.sub(
                r"(</(?:\w+:)?cellXfs>)",
                "".join(self.added).replace("\\", "\\\\") + r"\1",
                text,
                count=1,
            )
            added = len(self.added)
            text = re.sub(
                r'(<(?:\w+:)?cellXfs\b[^>]*count=")(\d+)',
                lambda m: f"{m.group(1)}{int(m.group(2)) + added}",
                text,
                count=1,
            )
        return text


def _scan_sheet(
    src: zipfile.ZipFile, part: str, marks: dict[str, str], vml: bool
) -> tuple[dict[str, int], set[str]]:
    """One streamed pass over the sheet: the current style of each cell to mark (for a cell
    that does not exist, its column's style, else 0; only rows with marks are parsed, every
    row when some have no ``r``), and, when the sheet has VML (``vml``), the relationship ids
    of its ``<legacyDrawingHF>``."""
    out = dict.fromkeys(marks, 0)
    hf_ids: set[str] = set()
    if not marks and not vml:
        return out, hf_ids
    rows = {int(_CELL_REF.match(r).group(2)) for r in marks}
    columns = {ref: column_index_from_string(_CELL_REF.match(ref).group(1)) for ref in marks}
    last = 0  # the number of the last row seen, for rows without r
    first = True
    with src.open(part) as fh:
        for text in _row_blocks(fh):
            if first:
                first = False
                defaults = column_styles(text[: text.find("sheetData")], set(columns.values()))
                out.update({ref: int(defaults[c]) for ref, c in columns.items() if c in defaults})
            if vml and "legacyDrawingHF" in text:
                hf_ids.update(re.findall(r'<(?:\w+:)?legacyDrawingHF\b[^>]*\bid="([^"]+)"', text))
            if not marks:
                continue
            if text.count("<row") + text.count(":row") == len(_ROW_NUMBER.findall(text)):
                found = [(int(m.group(1)), m.start()) for m in _ROW_NUMBER.finditer(text)]
                if found:
                    last = found[-1][0]
                matches = [(n, _ROW.match(text, at)) for n, at in found if n in rows]
            else:
                matches = []
                for m in _ROW.finditer(text):
                    number = _row_number(m.group(0), last)
                    last = number
                    if number in rows:
                        matches.append((number, m))
            for number, row in matches:
                if row is not None:
                    for col, cell in _cells_of(row.group(0)):
                        ref = f"{_letter(col)}{number}"
                        if ref in out:
                            sm = _ATTR_S.search(cell[: cell.find(">") + 1])
                            out[ref] = int(sm.group(1)) if sm else 0
    return out, hf_ids


def _row_number(row_xml: str, last: int) -> int:
    start = _ROW_START.match(row_xml)
    rm = re.search(r'\br="(\d+)"', start.group(2)) if start else None
    return int(rm.group(1)) if rm else last + 1


def _cells_of(row_xml: str) -> list[tuple[int, str]]:
    """(column, cell XML) of a row's cells; a cell without r is the one after the last."""
    start = _ROW_START.match(row_xml)
    if start is None or start.group(3) == "/":
        return []
    out = []
    col = 0
    for cell in _CELL.finditer(row_xml, start.end()):
        text = cell.group(0)
        ref = re.search(r'\br="([A-Z]+)\d*"', text[: text.find(">") + 1])
        col = column_index_from_string(ref.group(1)) if ref else col + 1
        out.append((col, text))
    return out


def _last_row_end(buffer: bytes) -> int:
    """Where the last ``</row>`` (or ``</x:row>``) ends, -1 if none: found from the end,
    skipping "row>" inside a text (a text cannot hold "<", so an end tag is unambiguous)."""
    at = len(buffer)
    while True:
        at = buffer.rfind(b"row>", 0, at)
        if at < 0:
            return -1
        tag = buffer.rfind(b"<", 0, at)
        if tag >= 0 and re.fullmatch(rb"</(?:\w+:)?", buffer[tag:at]):
            return at + 4


def _row_blocks(fh) -> Iterator[str]:
    """The sheet XML as text in blocks that end after a complete row (or the whole tail)."""
    from xl_crm.xlsx.sheetpatch import inflated_blocks

    buffer = b""
    for block in inflated_blocks(fh):
        buffer += block
        cut = _last_row_end(buffer)
        if cut < 0:
            continue
        yield buffer[:cut].decode("utf-8")
        buffer = buffer[cut:]
    if buffer:
        yield buffer.decode("utf-8")


def _patch_sheet(
    blocks: Iterator[str], styles: _Styles, clones: dict[str, int], legacy_id: str | None
) -> Iterator[str]:
    """The sheet XML with earlier marks cleared and the new ones set, block by block."""
    by_row: dict[int, dict[int, str]] = {}
    for ref, clone in clones.items():
        m = _CELL_REF.match(ref)
        by_row.setdefault(int(m.group(2)), {})[column_index_from_string(m.group(1))] = str(clone)
    pending = sorted(by_row)  # rows to mark, ascending; those the sheet lacks are created
    marked = {str(i) for i in styles.marked}
    pattern = re.compile(r'\bs="(' + "|".join(sorted(marked)) + r')"') if marked else None
    prefix = ""

    def new_rows(before: int | None) -> str:
        out = []
        while pending and (before is None or pending[0] < before):
            number = pending.pop(0)
            cells = "".join(
                f'<{prefix}c r="{_letter(c)}{number}" s="{s}"/>'
                for c, s in sorted(by_row[number].items())
            )
            out.append(f'<{prefix}row r="{number}">{cells}</{prefix}row>')
        return "".join(out)

    counter = {"row": 0}  # the last row number seen (rows without r count on from it)

    def fix_row(m: re.Match) -> str:
        row_xml = m.group(0)
        start = _ROW_START.match(row_xml)
        rm = re.search(r'\br="(\d+)"', start.group(2)) if start else None
        number = int(rm.group(1)) if rm else counter["row"] + 1
        counter["row"] = number
        inserted = new_rows(number)
        if pending and pending[0] == number:
            pending.pop(0)
        targets = by_row.get(number, {})
        if not targets and not (pattern and pattern.search(row_xml)):
            return inserted + row_xml
        cells: dict[int, str] = {}
        for col, text in _cells_of(row_xml):
            head_end = text.find(">") + 1
            if not re.search(r'\br="', text[:head_end]):  # make its place explicit
                text = re.sub(
                    r"^<((?:\w+:)?c)\b", rf'<\1 r="{_letter(col)}{number}"', text, count=1
                )
                head_end = text.find(">") + 1
            sm = _ATTR_S.search(text[:head_end])
            if sm and sm.group(1) in marked:  # clear an earlier mark
                base = styles.base[int(sm.group(1))]
                text = text[: sm.start()] + (f's="{base}"' if base else "") + text[sm.end() :]
            cells[col] = text
        p = start.group(1) or ""
        for col, clone in targets.items():
            letter = _letter(col)
            text = cells.get(col)
            if text is None:
                cells[col] = f'<{p}c r="{letter}{number}" s="{clone}"/>'
                continue
            head_end = text.find(">") + 1
            head = re.sub(r'\s+s="\d*"', "", text[:head_end])
            head = re.sub(r"^<((?:\w+:)?c)\b", rf'<\1 s="{clone}"', head, count=1)
            cells[col] = head + text[head_end:]
        attrs = re.sub(r'\s+spans="[^"]*"', "", start.group(2))
        if rm is None:
            attrs = f' r="{number}"' + attrs
        body = "" if start.group(3) == "/" else row_xml[start.end() : row_xml.rfind("<")]
        ends = [c.end() for c in _CELL.finditer(body)]
        trailing = body[ends[-1] if ends else 0 :]  # a row's extLst stays after its cells
        trailing = trailing if trailing.strip() else ""
        row = f"<{p}row{attrs}>{''.join(cells[c] for c in sorted(cells))}{trailing}</{p}row>"
        return inserted + row

    state = "head"
    carry = ""
    for text in blocks:
        text = carry + text
        carry = ""
        if state == "head":
            m = re.search(r"<(\w+:)?sheetData\b[^>]*?(/?)>", text)
            if m is None:
                carry = text
                continue
            prefix = m.group(1) or ""
            head = text[: m.start()]
            if legacy_id and 'xmlns:r="' not in head:
                head = re.sub(r"(<(?:\w+:)?worksheet\b)", rf'\1 xmlns:r="{_REL_NS}"', head, count=1)
            if m.group(2) == "/":  # no rows at all
                yield head + f"<{prefix}sheetData>" + new_rows(None) + f"</{prefix}sheetData>"
                state, text = "tail", text[m.end() :]
            else:
                yield head + m.group(0)
                state, text = "rows", text[m.end() :]
        if state == "rows":
            end = _SHEET_DATA_END.search(text)
            rows = text[: end.start()] if end else text
            last = _last_row_number(rows)
            if (
                last is None
                or (pending and last >= pending[0])
                or (pattern and pattern.search(rows))
            ):
                rows = _ROW.sub(fix_row, rows)
            else:
                counter["row"] = last  # passed through as it is
            yield rows
            if end is None:
                continue
            yield new_rows(None)
            state, text = "tail", text[end.start() :]
        if state == "tail":
            carry += text
    tail = carry
    if state != "tail":
        raise DamagedWorkbookError(SHEET_XML_CUT)
    if legacy_id and not re.search(r"<(?:\w+:)?legacyDrawing\b", tail):
        p = prefix
        element = f'<{p}legacyDrawing r:id="{legacy_id}"/>'
        anchor = re.search(
            r"<(?:\w+:)?(legacyDrawingHF|drawingHF|picture|oleObjects|controls|"
            r"webPublishItems|tableParts|extLst)\b|</(?:\w+:)?worksheet>",
            tail,
        )
        tail = tail[: anchor.start()] + element + tail[anchor.start() :]
    yield tail


def _last_row_number(rows: str) -> int | None:
    """The number of the block's last row, found from the end ("row" inside a text is
    skipped, since a text cannot hold a "<"); None when it has no r (or no row)."""
    at = len(rows)
    while True:
        at = rows.rfind("row", 0, at)
        if at < 0:
            return None
        tag = rows.rfind("<", 0, at + 1)
        if tag < 0:
            return None
        if re.match(r"<(?:\w+:)?row\b", rows[tag : tag + 40]):
            m = _ROW_NUMBER.match(rows, tag)
            start = _ROW_START.match(rows, tag)
            if m is None or start is None or m.end() > start.end():
                return None  # the last row has no r
            return int(m.group(1))


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


def _note_parts(
    part: str, rels: str | None, names: set[str], needed: bool, hf_ids: set[str] = frozenset()
):
    """Paths of the sheet's comments and VML parts (new ones when it has none), and rels."""
    folder = posixpath.dirname(part)

    def target_of(kind: str) -> str | None:
        if rels is None:
            return None
        for rel in re.findall(r"<(?:\w+:)?Relationship\b[^>]*>", rels):
            rid = re.search(r'\bId="([^"]+)"', rel)
            if f'Type="{kind}"' in rel and not (rid and rid.group(1) in hf_ids):
                t = re.search(r'Target="([^"]+)"', rel).group(1)
                return (
                    t.lstrip("/")
                    if t.startswith("/")
                    else posixpath.normpath(posixpath.join(folder, t))
                )
        return None

    comments, vml = target_of(_COMMENTS_TYPE), target_of(_VML_TYPE)
    if not needed or (comments and vml):
        return comments, vml, rels
    n = 1
    while f"xl/comments{n}.xml" in names or f"xl/drawings/vmlDrawing{n}.vml" in names:
        n += 1
    rels = rels or (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
        'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        "</Relationships>"
    )
    ids = {int(i) for i in re.findall(r'Id="rId(\d+)"', rels)}
    new = []
    if comments is None:
        comments = f"xl/comments{n}.xml"
        new.append((_COMMENTS_TYPE, posixpath.relpath(comments, folder)))
    if vml is None:
        vml = f"xl/drawings/vmlDrawing{n}.vml"
        new.append((_VML_TYPE, posixpath.relpath(vml, folder)))
    for kind, target in new:
        rid = max(ids, default=0) + 1
        ids.add(rid)
        rels = rels.replace(
            "</Relationships>",
            f'<Relationship Id="rId{rid}" Type="{kind}" Target="{target}"/></Relationships>',
        )
    return comments, vml, rels


def _legacy_id(
    rels: str | None, vml: str | None, part: str, hf_ids: set[str] = frozenset()
) -> str | None:
    if rels is None or vml is None:
        return None
    for rel in re.findall(r"<(?:\w+:)?Relationship\b[^>]*>", rels):
        rid = re.search(r'\bId="([^"]+)"', rel).group(1)
        if f'Type="{_VML_TYPE}"' in rel and rid not in hf_ids:
            return rid
    return None


def _noted_by_others(xml: str | None) -> set[str]:
    """The cells that have a note by someone else than xl-crm."""
    if xml is None:
        return set()
    authors = [
        a or ""
        for a in re.findall(r"<(?:\w+:)?author>(.*?)</(?:\w+:)?author>|<(?:\w+:)?author/>", xml)
    ]
    out = set()
    for tag in re.findall(r"<(?:\w+:)?comment\b[^>]*>", xml):
        attrs = dict(re.findall(r'\b(ref|authorId)="([^"]*)"', tag))
        author = int(attrs.get("authorId", "0") or 0)
        if author >= len(authors) or authors[author] != AUTHOR:
            out.add(attrs.get("ref", ""))
    return out


def _comments(xml: str | None, marks: dict[str, str]) -> str | None:
    if xml is None and not marks:
        return None
    if xml is None:
        xml = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<comments xmlns='
            '"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><authors></authors>'
            "<commentList></commentList></comments>"
        )
    p = re.match(r".*?<(\w+:)?comments\b", xml, re.S).group(1) or ""
    authors = re.findall(r"<(?:\w+:)?author>(.*?)</(?:\w+:)?author>|<(?:\w+:)?author/>", xml)
    if AUTHOR not in authors:
        xml = re.sub(
            r"(</(?:\w+:)?authors>)", f"<{p}author>{AUTHOR}</{p}author>" + r"\1", xml, count=1
        )
        if re.search(r"<(?:\w+:)?authors/>", xml):
            xml = re.sub(
                r"<(?:\w+:)?authors/>",
                f"<{p}authors><{p}author>{AUTHOR}</{p}author></{p}authors>",
                xml,
                count=1,
            )
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
        f"{escape(ILLEGAL_XML.sub('', note))}</{p}t></{p}r></{p}text></{p}comment>"
        for ref, note in sorted(marks.items())
    )
    if re.search(r"<(?:\w+:)?commentList/>", xml):
        return re.sub(r"<(?:\w+:)?commentList/>", f"<{p}commentList>{new}</{p}commentList>", xml)
    return re.sub(r"(</(?:\w+:)?commentList>)", new.replace("\\", "\\\\") + r"\1", xml, count=1)


def _vml(xml: str | None, marks: dict[str, str]) -> str | None:
    if xml is None and not marks:
        return None
    if xml is None:
        xml = (
            '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:'
            'office:office" xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout '
            'v:ext="edit"><o:idmap v:ext="edit" data="1"/></o:shapelayout><v:shapetype '
            'id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,'
            'xe"><v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/>'
            "</v:shapetype></xml>"
        )
    xml = re.sub(r'<v:shape\b[^>]*\bid="xlcrm_[^"]*".*?</v:shape>', "", xml, flags=re.S)
    # the shapes below use the v, o and x prefixes: declare those the file lacks (openpyxl
    # writes its VML with ns0, ns1, ... prefixes)
    root = re.search(r"<xml\b[^>]*>", xml)
    if root is not None:
        missing = "".join(
            f' xmlns:{p}="{uri}"'
            for p, uri in _VML_NS.items()
            if f"xmlns:{p}=" not in root.group(0)
        )
        if missing:
            xml = xml[: root.start() + 4] + missing + xml[root.start() + 4 :]
    shapes = []
    for ref in sorted(marks):
        m = _CELL_REF.match(ref)
        row, col = int(m.group(2)) - 1, column_index_from_string(m.group(1)) - 1
        shapes.append(
            f'<v:shape id={quoteattr("xlcrm_" + ref)} type="#_x0000_t202" style="position:'
            "absolute;margin-left:80pt;margin-top:2pt;width:180pt;height:60pt;z-index:1;"
            'visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
            '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div>'
            '</v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:Anchor>{col + 1}, 15, {max(row - 1, 0)}, 10, {col + 4}, 15, {row + 3}, 4"
            "</x:Anchor><x:AutoFill>False</x:AutoFill>"
            f"<x:Row>{row}</x:Row><x:Column>{col}</x:Column></x:ClientData></v:shape>"
        )
    return xml.replace("</xml>", "".join(shapes) + "</xml>")


def _content_types(xml: str, comments: str | None, vml: str | None) -> str:
    if vml and not re.search(r'Extension="vml"', xml) and f'PartName="/{vml}"' not in xml:
        xml = xml.replace(
            "</Types>",
            '<Default Extension="vml" ContentType="application/'
            'vnd.openxmlformats-officedocument.vmlDrawing"/></Types>',
        )
    if comments and f'PartName="/{comments}"' not in xml:
        xml = xml.replace(
            "</Types>",
            f'<Override PartName="/{comments}" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"/></Types>',
        )
    return xml
