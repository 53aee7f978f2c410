"""Marking cells in a workbook in place: a fill colour and a note on each marked cell.

``mark_cells`` first clears the marks it made before on that sheet (its fill, and notes
whose author is ``xl-crm``), then marks the given cells, so running it again with the same
findings gives the same workbook.  Like the column writer, it rewrites only the worksheet,
``styles.xml``, the sheet's comments and VML parts, its relationships and the content types;
every other part is copied byte for byte, and the original is replaced atomically.

A cell hidden inside merged cells (B2 under B1:B2) cannot show a fill or a note: its mark
goes onto the merge's top-left cell, the note saying which cell it is for
(``B2 → B1 (B1:B2): ...``), joined with that cell's own note if it has one.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.utils import column_index_from_string, get_column_letter

from xl_crm.errors import CellNotWritableError, SheetNotFoundError, WorkbookError
from xl_crm.xlsx.atomic import AtomicReplace, check_writable
from xl_crm.xlsx.markstyles import MARK_COLOUR, MarkStyles
from xl_crm.xlsx.package import rewrite_member, sheet_parts
from xl_crm.xlsx.parts import comments, contenttypes, rels, vml
from xl_crm.xlsx.parts.comments import AUTHOR
from xl_crm.xlsx.parts.styles import StyleSheet
from xl_crm.xlsx.sheetpatch.stream import (
    ATTR_S,
    BLOCK_SIZE,
    CELL,
    ROW,
    ROW_NUMBER,
    ROW_START,
    SheetSplitter,
    cells_of,
    column_styles,
    inflated_blocks,
    row_number,
)
from xl_crm.xlsx.zipcopy import PackageRewriter

__all__ = ["AUTHOR", "MARK_COLOUR", "MarkResult", "mark_cells"]

_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")
_MERGE = re.compile(r'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


@dataclass
class MarkResult:
    """What :func:`mark_cells` did: cells marked, and marks moved from a cell hidden in
    merged cells to the merge's top-left cell (hidden cell -> cell marked)."""

    path: Path
    sheet: str
    marked: int
    backup: Path | None
    moved: dict[str, str] = field(default_factory=dict)
    #: whether the workbook was rewritten (False: nothing to mark and no earlier mark to
    #: clear on the sheet, and the file is left as it was, byte for byte)
    changed: bool = True


def _where(ref: str) -> tuple[int, int]:
    """(row, column) of an A1 reference (checked by :func:`mark_cells`)."""
    m = _CELL_REF.match(ref)
    return int(m.group(2)), column_index_from_string(m.group(1))


def mark_cells(
    book: str | Path,
    sheet: str,
    marks: dict[str, str],
    *,
    colour: str = MARK_COLOUR,
    backups: int = 5,
    block_size: int = BLOCK_SIZE,
) -> MarkResult:
    """Fill and annotate ``marks`` (A1 ref -> note) on ``sheet``; clear earlier marks.

    ``colour`` is the fill (ARGB hex); the last ``backups`` originals are kept; the sheet
    XML is streamed ``block_size`` bytes at a time.  Raises WorkbookError for a reference
    that is not A1, a sheet the workbook lacks, or a workbook the writers refuse."""
    path = Path(book)
    check_writable(path)
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
            parts = sheet_parts(path)
            if sheet not in parts:
                raise SheetNotFoundError(
                    (f"没有名为 {sheet!r} 的工作表", f"no sheet called {sheet!r}"),
                    hint=("工作表：" + "、".join(parts), "sheets: " + ", ".join(parts)),
                )
            return _mark(src, path, sheet, parts[sheet], marks, colour, backups, block_size)
    except WorkbookError as exc:  # raised deep in the stream: add the file and sheet
        raise exc.located(path, sheet) from None


def _mark(src, path, sheet, part, marks, colour, backups, block_size) -> MarkResult:
    names = set(src.namelist())
    rels_part = rels.rels_part(part)
    rels_xml = src.read(rels_part).decode("utf-8") if rels_part in names else None
    styles = MarkStyles(StyleSheet(src.read("xl/styles.xml").decode("utf-8")), colour)
    if not marks and not _earlier_marks(src, part, rels_xml, styles, block_size):
        return MarkResult(path, sheet, 0, None, changed=False)  # nothing to do: no write
    # one pass over the sheet: the marked cells' styles, its merged cells, and the header/
    # footer picture's VML (legacyDrawingHF), which is not the notes' VML
    scan = _Scan(src, part, block_size)
    scan.run(marks, bool(rels_xml and rels.VML_DRAWING in rels_xml))
    marks, moved = _off_hidden_cells(marks, scan.merges)
    if any(ref not in scan.styles for ref in marks):  # a merge's top-left: one more pass
        scan.run(marks, False)
    clones = {ref: styles.clone_of(scan.styles[ref]) for ref in marks}
    comments_part, vml_part, rels_xml = _note_parts(part, rels_xml, names, bool(marks), scan.hf_ids)
    old_comments = src.read(comments_part).decode("utf-8") if comments_part in names else None
    # a cell holds one note: where the user has one, the fill alone marks the cell
    taken = comments.noted_by_others(old_comments)
    notes = {ref: note for ref, note in marks.items() if ref not in taken}
    comments_xml = comments.with_notes(old_comments, notes)
    blocks = set()
    for name in names - {vml_part}:
        if name.endswith(".vml"):
            blocks |= vml.idmap_blocks(src.read(name).decode("utf-8", errors="replace"))
    old_vml = src.read(vml_part).decode("utf-8") if vml_part in names else None
    vml_xml = vml.with_notes(old_vml, set(notes), comments.noted_by_us(old_comments), blocks)
    types = src.read("[Content_Types].xml").decode("utf-8")
    if vml_part:
        types = contenttypes.with_default(types, "vml", contenttypes.VML)
    if comments_part:
        types = contenttypes.with_override(types, comments_part, contenttypes.COMMENTS)
    legacy_id = _legacy_id(rels_xml, part, scan.hf_ids)
    with AtomicReplace(path, backups) as (out, done):
        rewriter = PackageRewriter(src, out)
        replaced = {
            part: None,
            "xl/styles.xml": styles.sheet.text.encode("utf-8"),
            "[Content_Types].xml": types.encode("utf-8"),
        }
        if rels_xml is not None:
            replaced[rels_part] = rels_xml.encode("utf-8")
        if comments_xml is not None:
            replaced[comments_part] = comments_xml.encode("utf-8")
        if vml_xml is not None:
            replaced[vml_part] = vml_xml.encode("utf-8")
        for info in src.infolist():
            if info.filename == part:

                def transform(raw) -> Iterator[bytes]:
                    pieces = SheetSplitter(inflated_blocks(raw, block_size))
                    for text in _patch_sheet(pieces, styles, clones, legacy_id):
                        yield text.encode("utf-8")

                rewrite_member(src, info, out, transform)
            elif info.filename in replaced:
                out.writestr(info, replaced.pop(info.filename))
            else:
                rewriter.copy(info)
        for name, data in replaced.items():  # parts that did not exist yet
            if data is not None:
                out.writestr(name, data)
    return MarkResult(path, sheet, len(marks), done.backup, moved)


def _earlier_marks(
    src: zipfile.ZipFile, part: str, rels_xml: str | None, styles: MarkStyles, block_size: int
) -> bool:
    """Whether the sheet holds a mark of an earlier run: a note by xl-crm, or a cell in a
    marked style (the sheet is streamed only when the workbook has such styles)."""
    names = set(src.namelist())
    for rel in rels.relationships(rels_xml, part):
        if (
            rel.type == rels.COMMENTS
            and rel.part in names
            and comments.noted_by_us(src.read(rel.part).decode("utf-8"))
        ):
            return True
    if not styles.marked:
        return False
    marked = "|".join(str(i) for i in sorted(styles.marked))
    pattern = re.compile(rf'<(?:\w+:)?c\b[^>]*?\bs="(?:{marked})"'.encode())
    splitter = SheetSplitter(inflated_blocks(src.open(part), block_size))
    return any(kind == "rows" and pattern.search(data) for kind, data in splitter)


def _off_hidden_cells(
    marks: dict[str, str], merges: list[tuple[int, int, int, int]]
) -> tuple[dict[str, str], dict[str, str]]:
    """The marks with those on cells hidden in merged cells moved to the merge's top-left
    cell (notes joined, each saying which cell it is for), and hidden cell -> cell."""
    if not merges or not marks:
        return marks, {}
    out: dict[str, list[str]] = {}
    moved = {}
    for ref in sorted(marks, key=_where):
        row, col = _where(ref)
        target, note = ref, marks[ref]
        for top, left, bottom, right in merges:
            if top <= row <= bottom and left <= col <= right and (row, col) != (top, left):
                target = f"{get_column_letter(left)}{top}"
                area = f"{target}:{get_column_letter(right)}{bottom}"
                note = f"{ref} → {target} ({area}): {note}"
                moved[ref] = target
                break
        out.setdefault(target, []).append(note)
    # a merge's top-left cell comes first in row order: its own note leads
    return {ref: "\n".join(texts) for ref, texts in out.items()}, moved


class _Scan:
    """What marking needs from one streamed pass over the sheet: the current style of each
    cell to mark (a cell the sheet lacks: its column's style, else 0), the merged cells,
    and the relationship ids of ``<legacyDrawingHF>``."""

    def __init__(self, src: zipfile.ZipFile, part: str, block_size: int) -> None:
        self.src, self.part, self.block_size = src, part, block_size
        self.styles: dict[str, int] = {}
        self.merges: list[tuple[int, int, int, int]] = []
        self.hf_ids: set[str] = set()

    def run(self, marks: dict[str, str], vml: bool) -> None:
        if not marks and not vml:
            return
        wanted = {ref: _where(ref) for ref in marks if ref not in self.styles}
        self.styles.update(dict.fromkeys(wanted, 0))
        rows = {r for r, _ in wanted.values()}
        last = 0  # the number of the last row seen, for rows without r
        splitter = SheetSplitter(inflated_blocks(self.src.open(self.part), self.block_size))
        tail = []  # in pieces cut anywhere: decoded whole
        for kind, data in splitter:
            if kind == "head":
                defaults = column_styles(data.decode("utf-8"), {c for _, c in wanted.values()})
                self.styles.update({ref: int(defaults[c]) for ref, (_, c) in wanted.items()
                                    if c in defaults})  # fmt: skip
            elif kind == "tail":
                tail.append(data)
            elif kind == "rows" and wanted:
                for number, row in self._rows(data.decode("utf-8"), rows, last):
                    last = number
                    for col, cell in cells_of(row) if number in rows else []:
                        ref = f"{get_column_letter(col)}{number}"
                        if ref in wanted:
                            sm = ATTR_S.search(cell[: cell.find(">") + 1])
                            self.styles[ref] = int(sm.group(1)) if sm else 0
        text = b"".join(tail).decode("utf-8")
        self.merges = [
            (int(m[1]), column_index_from_string(m[0]), int(m[3]), column_index_from_string(m[2]))
            for m in _MERGE.findall(text)
        ]
        if vml:
            pattern = r'<(?:\w+:)?legacyDrawingHF\b[^>]*\bid="([^"]+)"'
            self.hf_ids.update(re.findall(pattern, text))

    @staticmethod
    def _rows(text: str, rows: set[int], last: int) -> Iterator[tuple[int, str]]:
        """(number, XML) of the rows of a block (only the wanted ones parsed when every
        row has its r)."""
        if text.count("<row") + text.count(":row") == len(ROW_NUMBER.findall(text)):
            found = [(int(m.group(1)), m.start()) for m in ROW_NUMBER.finditer(text)]
            for number, at in found:
                m = ROW.match(text, at) if number in rows else None
                yield number, m.group(0) if m else ""
            return
        for m in ROW.finditer(text):
            last = row_number(m.group(0), last)
            yield last, m.group(0)


def _patch_sheet(
    pieces: SheetSplitter, styles: MarkStyles, clones: dict[str, int], legacy_id: str | None
) -> Iterator[str]:
    """The sheet XML with earlier marks cleared and the new ones set, piece by piece."""
    by_row: dict[int, dict[int, str]] = {}
    for ref, clone in clones.items():
        row, col = _where(ref)
        by_row.setdefault(row, {})[col] = str(clone)
    pending = sorted(by_row)  # rows to mark, ascending; those the sheet lacks are created
    marked = {str(i) for i in styles.marked}
    pattern = re.compile(r'\bs="(' + "|".join(sorted(marked)) + r')"') if marked else None

    def new_rows(before: int | None) -> str:
        p = pieces.prefix
        out = []
        while pending and (before is None or pending[0] < before):
            number = pending.pop(0)
            cells = "".join(
                f'<{p}c r="{get_column_letter(c)}{number}" s="{s}"/>'
                for c, s in sorted(by_row[number].items())
            )
            out.append(f'<{p}row r="{number}">{cells}</{p}row>')
        return "".join(out)

    counter = {"row": 0}  # the last row number seen (rows without r count on from it)

    def fix_row(m: re.Match) -> str:
        row_xml = m.group(0)
        number = row_number(row_xml, counter["row"])
        counter["row"] = number
        inserted = new_rows(number)
        if pending and pending[0] == number:
            pending.pop(0)
        targets = by_row.get(number, {})
        if not targets and not (pattern and pattern.search(row_xml)):
            return inserted + row_xml
        return inserted + _marked_row(row_xml, number, targets, styles, marked)

    tail = []  # in pieces cut anywhere: decoded whole
    for kind, data in pieces:
        if kind == "tail":
            tail.append(data)
            continue
        text = data.decode("utf-8")
        if kind == "head":
            if legacy_id and 'xmlns:r="' not in text:
                text = re.sub(
                    r"(<(?:\w+:)?worksheet\b)", rf'\1 xmlns:r="{rels.REL_NS}"', text, count=1
                )
            yield text
        elif kind == "open":
            yield f"<{pieces.prefix}sheetData>" if pieces.empty else text
        elif kind == "rows":
            last = _last_row_number(text)
            if (
                last is None
                or (pending and last >= pending[0])
                or (pattern and pattern.search(text))
            ):
                text = ROW.sub(fix_row, text)
            else:
                counter["row"] = last  # passed through as it is
            yield text
    yield new_rows(None) + (f"</{pieces.prefix}sheetData>" if pieces.empty else "")
    yield _with_legacy_drawing(b"".join(tail).decode("utf-8"), legacy_id, pieces.prefix)


def _marked_row(
    row_xml: str, number: int, targets: dict[int, str], styles: MarkStyles, marked: set[str]
) -> str:
    """A row with earlier marks cleared and ``targets`` (column -> style) set."""
    start = ROW_START.match(row_xml)
    cells: dict[int, str] = {}
    for col, text in cells_of(row_xml):
        head_end = text.find(">") + 1
        if not re.search(r'\br="', text[:head_end]):  # make its place explicit
            ref = f"{get_column_letter(col)}{number}"
            text = re.sub(r"^<((?:\w+:)?c)\b", rf'<\1 r="{ref}"', text, count=1)
            head_end = text.find(">") + 1
        sm = ATTR_S.search(text[:head_end])
        if sm and sm.group(1) in marked:  # clear an earlier mark
            base = styles.base[int(sm.group(1))]
            text = text[: sm.start()] + (f's="{base}"' if base else "") + text[sm.end() :]
        cells[col] = text
    p = start.group(1) or ""
    for col, clone in targets.items():
        text = cells.get(col)
        if text is None:
            cells[col] = f'<{p}c r="{get_column_letter(col)}{number}" s="{clone}"/>'
            continue
        head_end = text.find(">") + 1
        head = re.sub(r'\s+s="\d*"', "", text[:head_end])
        head = re.sub(r"^<((?:\w+:)?c)\b", rf'<\1 s="{clone}"', head, count=1)
        cells[col] = head + text[head_end:]
    attrs = re.sub(r'\s+spans="[^"]*"', "", start.group(2))
    if not re.search(r'\br="', attrs):
        attrs = f' r="{number}"' + attrs
    body = "" if start.group(3) == "/" else row_xml[start.end() : row_xml.rfind("<")]
    ends = [c.end() for c in CELL.finditer(body)]
    trailing = body[ends[-1] if ends else 0 :]  # a row's extLst stays after its cells
    trailing = trailing if trailing.strip() else ""
    return f"<{p}row{attrs}>{''.join(cells[c] for c in sorted(cells))}{trailing}</{p}row>"


def _with_legacy_drawing(tail: str, legacy_id: str | None, p: str) -> str:
    """The sheet XML after its rows, with a ``<legacyDrawing>`` for the notes (where
    ECMA-376's element order puts it) when it has none."""
    if not legacy_id or re.search(r"<(?:\w+:)?legacyDrawing\b", tail):
        return tail
    anchor = re.search(
        r"<(?:\w+:)?(legacyDrawingHF|drawingHF|picture|oleObjects|controls|"
        r"webPublishItems|tableParts|extLst)\b|</(?:\w+:)?worksheet>",
        tail,
    )
    element = f'<{p}legacyDrawing r:id="{legacy_id}"/>'
    return tail[: anchor.start()] + element + tail[anchor.start() :]


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
            m = ROW_NUMBER.match(rows, tag)
            start = ROW_START.match(rows, tag)
            if m is None or start is None or m.end() > start.end():
                return None  # the last row has no r
            return int(m.group(1))


def _note_parts(
    part: str, rels_xml: str | None, names: set[str], needed: bool, hf_ids: set[str]
) -> tuple[str | None, str | None, str | None]:
    """Paths of the sheet's comments and VML parts (new ones when it has none and
    ``needed``), and its relationships' text with any new ones."""
    found = [r for r in rels.relationships(rels_xml, part) if r.id not in hf_ids]
    comments_part = next((r.part for r in found if r.type == rels.COMMENTS), None)
    vml_part = next((r.part for r in found if r.type == rels.VML_DRAWING), None)
    if not needed or (comments_part and vml_part):
        return comments_part, vml_part, rels_xml
    n = 1
    while f"xl/comments{n}.xml" in names or f"xl/drawings/vmlDrawing{n}.vml" in names:
        n += 1
    if comments_part is None:
        comments_part = f"xl/comments{n}.xml"
        rels_xml, _ = rels.add(rels_xml, part, rels.COMMENTS, comments_part)
    if vml_part is None:
        vml_part = f"xl/drawings/vmlDrawing{n}.vml"
        rels_xml, _ = rels.add(rels_xml, part, rels.VML_DRAWING, vml_part)
    return comments_part, vml_part, rels_xml


def _legacy_id(rels_xml: str | None, part: str, hf_ids: set[str]) -> str | None:
    """The relationship id of the notes' VML part (not the header/footer picture's)."""
    for r in rels.relationships(rels_xml, part):
        if r.type == rels.VML_DRAWING and r.id not in hf_ids:
            return r.id
    return None
