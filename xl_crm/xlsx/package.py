"""Writing the workbook package: the skeleton's parts, with sheet rows streamed in.

The skeleton (a small workbook saved by openpyxl) holds one prototype data row per sheet;
each sheet to fill is rewritten as: its XML up to that row, the generated rows (with the
prototype's cell styles), then its XML from ``</sheetData>`` on.  Compression runs on
other threads (zlib releases the GIL; see ``ParallelDeflate``) while the next rows are
formatted.  The output is written to a temporary file beside the target, fsynced and
renamed, so a failure never leaves a half-written workbook under the user's file name.
"""

from __future__ import annotations

import contextlib
import io
import os
import queue
import re
import threading
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xl_crm.errors import RESAVE, DamagedWorkbookError, SheetNotFoundError, WriteFailedError
from xl_crm.sample.rows import SampleColumn
from xl_crm.xlsx.zipcopy import FAST_ZLIB, ReadAhead

ProgressCallback = Callable[[str, int, int], None]
_CELL = re.compile(r'<c r="([A-Z]+)\d+"([^>]*)>')
_STYLE = re.compile(r'\bs="(\d+)"')
_DIMENSION = re.compile(r'<dimension ref="[^"]*"\s*/>')


@dataclass
class SheetRows:
    """Rows to stream into one worksheet part."""

    part: str
    first_row: int
    rows: int
    chunks: Iterator[tuple[int, dict[str, SampleColumn]]]
    field_ids: list[str]
    label: str


class SheetParts(dict[str, str]):
    """Sheet name -> worksheet part name; looking up a sheet the workbook does not have
    raises :class:`xl_crm.errors.SheetNotFoundError` naming the file and its sheets."""

    def __init__(self, parts: dict[str, str], file: str | None) -> None:
        super().__init__(parts)
        self.file = file

    def __missing__(self, sheet: str) -> str:
        raise SheetNotFoundError(
            (f"没有名为 {sheet!r} 的工作表", f"no sheet called {sheet!r}"),
            file=self.file,
            sheet=sheet,
            expected=("、".join(self), ", ".join(self)),
        )


def sheet_parts(package: bytes | Path) -> SheetParts:
    """Sheet name -> worksheet part name (``xl/worksheets/sheet1.xml``) of a workbook.
    Raises :class:`xl_crm.errors.DamagedWorkbookError` when the workbook part or its
    relationships are missing, and (on lookup) SheetNotFoundError for an unknown sheet."""
    import posixpath
    import xml.etree.ElementTree as ET

    ns = {
        "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "p": "http://schemas.openxmlformats.org/package/2006/relationships",
    }
    file = None if isinstance(package, bytes) else str(package)
    source = io.BytesIO(package) if isinstance(package, bytes) else package
    try:
        with zipfile.ZipFile(source) as z:
            book = ET.fromstring(z.read("xl/workbook.xml"))
            rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("p:Relationship", ns)}
        out = {}
        for sheet in book.iterfind("m:sheets/m:sheet", ns):
            target = targets[sheet.get(f"{{{ns['r']}}}id")]
            part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            out[sheet.get("name")] = posixpath.normpath(part)
    except KeyError as exc:
        raise DamagedWorkbookError(
            (
                f"工作簿的工作表列表不完整（缺少 {exc}）：文件已损坏",
                f"the workbook's list of sheets is incomplete (no {exc}): it is damaged",
            ),
            file=file,
            hint=RESAVE,
        ) from None
    return SheetParts(out, file)


def write_package(
    skeleton: bytes,
    output: Path,
    streams: list[SheetRows],
    *,
    progress: ProgressCallback | None = None,
    compresslevel: int = 6,
) -> None:
    """Write ``skeleton`` to ``output`` atomically, with ``streams`` spliced in."""
    by_part = {s.part: s for s in streams}
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            with (
                zipfile.ZipFile(io.BytesIO(skeleton)) as src,
                zipfile.ZipFile(
                    fh, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel
                ) as out,
            ):
                for info in src.infolist():
                    data = src.read(info)
                    if info.filename in by_part:
                        _stream_sheet(
                            data.decode("utf-8"), out, info, by_part[info.filename], progress
                        )
                    else:
                        out.writestr(info.filename, data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, output)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise WriteFailedError(
            (
                f"无法写入工作簿：{exc.strerror or exc}",
                f"cannot write the workbook: {exc.strerror or exc}",
            ),
            file=output,
            hint=(
                "检查文件夹是否存在、可写、有剩余空间，以及文件没有在 Excel 中打开",
                "check that the folder exists, is writable and has free space, "
                "and that the file is not open in Excel",
            ),
        ) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _stream_sheet(
    xml: str,
    out: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    rows: SheetRows,
    progress: ProgressCallback | None,
) -> None:
    start = xml.index(f'<row r="{rows.first_row}"')
    end = xml.index("</sheetData>")
    styles = _prototype_styles(xml[start:end])
    last_row = rows.first_row + rows.rows - 1
    head = _DIMENSION.sub(
        lambda m: m.group(0).replace(
            m.group(0), f'<dimension ref="A1:{_last_col(styles)}{last_row}" />'
        ),
        xml[:start],
        count=1,
    )
    letters = list(styles)
    target = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    target.compress_type = zipfile.ZIP_DEFLATED
    with out.open(target, "w", force_zip64=True) as raw, _ThreadedSink(raw) as sink:
        parallel_deflate(raw)
        sink.write(head.encode("utf-8"))
        done = 0
        for first_index, columns in rows.chunks:
            cols = [
                (letter, styles[letter], columns[fid])
                for letter, fid in zip(letters, rows.field_ids, strict=True)
            ]
            text = encode_rows(rows.first_row + first_index, cols)
            sink.write(text.encode("utf-8"))
            done += len(cols[0][2].values)
            if progress is not None:
                progress(rows.label, done, rows.rows)
        sink.write(xml[end:].encode("utf-8"))


def _last_col(styles: dict[str, str]) -> str:
    return max(styles, key=lambda c: (len(c), c))


def _prototype_styles(row_xml: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for match in _CELL.finditer(row_xml):
        style = _STYLE.search(match.group(2))
        out[match.group(1)] = style.group(1) if style else "0"
    return out


def encode_rows(first_row: int, cols: list[tuple[str, str, SampleColumn]]) -> str:
    """SpreadsheetML ``<row>`` elements for the given columns, starting at ``first_row``.

    Text is written as inline strings (never as a formula); ``None`` leaves the cell out.
    """
    n = len(cols[0][2].values)
    numbers = range(first_row, first_row + n)
    cell_lists = []
    for letter, style, col in cols:
        if col.kind == "s":
            pre, mid, post = (
                f'<c r="{letter}',
                f'" s="{style}" t="inlineStr"><is><t>',
                "</t></is></c>",
            )
        elif col.kind == "b":
            pre, mid, post = f'<c r="{letter}', f'" s="{style}" t="b"><v>', "</v></c>"
        else:
            pre, mid, post = f'<c r="{letter}', f'" s="{style}"><v>', "</v></c>"
        cell_lists.append(
            [
                "" if v is None else f"{pre}{r}{mid}{v}{post}"
                for r, v in zip(numbers, col.values, strict=True)
            ]
        )
    return "".join(
        [
            f'<row r="{r}">{"".join(cells)}</row>'
            for r, *cells in zip(numbers, *cell_lists, strict=True)
        ]
    )


class _ThreadedSink:
    """Hands byte blocks to a writer thread, so compression overlaps formatting."""

    def __init__(self, raw) -> None:
        self.raw = raw
        self.queue: queue.Queue[bytes | None] = queue.Queue(maxsize=4)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="xlcrm-zip-writer", daemon=True)

    def __enter__(self) -> _ThreadedSink:
        self.thread.start()
        return self

    def _run(self) -> None:
        while True:
            block = self.queue.get()
            if block is None:
                return
            if self.error is None:
                try:
                    self.raw.write(block)
                except BaseException as exc:  # re-raised in the producer thread
                    self.error = exc

    def write(self, block: bytes) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(block)

    def __exit__(self, *exc_info) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None and exc_info[0] is None:
            raise self.error


class ParallelDeflate:
    """A drop-in for a zip member's zlib compressor that deflates blocks on several threads.

    Each block is deflated on its own (raw deflate, primed with the previous block's last
    32 KiB as dictionary so the ratio stays that of one stream) and ends with a sync flush;
    the blocks are emitted in order and a final empty block ends the stream, which is how
    pigz writes one valid deflate stream in parallel.  zlib releases the GIL, so the threads
    really run at once, beside the thread that formats the rows."""

    WINDOW = 1 << 15

    def __init__(self, level: int = 6, workers: int | None = None) -> None:
        self.level = level
        # one more than the cores: a block waiting for the GIL to hand its result back does
        # not leave a core idle (measured: 9.75 s against 10.1 s with two, on two cores)
        workers = workers or max(2, min(4, (os.cpu_count() or 1) + 1))
        self.pool = ThreadPoolExecutor(
            workers, thread_name_prefix="xlcrm-deflate", initializer=_yield_to_formatting
        )
        self.pending: deque[Future[bytes]] = deque()
        self.max_pending = 2 * workers
        self.tail = b""

    def compress(self, data) -> bytes:
        data = bytes(data)
        if not data:
            return b""
        self.pending.append(self.pool.submit(_deflate_block, data, self.tail, self.level))
        self.tail = data[-self.WINDOW :]
        done = []
        while self.pending and (self.pending[0].done() or len(self.pending) > self.max_pending):
            done.append(self.pending.popleft().result())
        return b"".join(done)

    def flush(self) -> bytes:
        try:
            done = [f.result() for f in self.pending]
        finally:
            self.pending.clear()
            self.pool.shutdown(wait=True, cancel_futures=True)
        final = zlib.compressobj(self.level, zlib.DEFLATED, -15)
        return b"".join(done) + final.flush(zlib.Z_FINISH)


def _yield_to_formatting() -> None:
    """Lower this deflate thread's priority (Linux: nice is per thread), so the thread that
    formats rows, the one everything waits for, always has a core when it can run, and the
    deflate threads use what is left.  Without it, on two cores, three busy threads share
    them evenly and the formatting thread gets two thirds of one."""
    if hasattr(os, "setpriority") and hasattr(threading, "get_native_id"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)


def _deflate_block(data: bytes, zdict: bytes, level: int) -> bytes:
    z = FAST_ZLIB
    if zdict:
        c = z.compressobj(level, z.DEFLATED, -15, 8, z.Z_DEFAULT_STRATEGY, zdict)
    else:
        c = z.compressobj(level, z.DEFLATED, -15)
    return c.compress(data) + c.flush(z.Z_SYNC_FLUSH)


def parallel_deflate(raw, level: int = 6) -> None:
    """Make the zip member being written (``ZipFile.open(..., "w")``) deflate in parallel.

    Uses the member's compressor slot (a private attribute of zipfile's writer, present
    since Python 3.6); without it the member is deflated the ordinary way."""
    if getattr(raw, "_compressor", None) is not None:
        raw._compressor = ParallelDeflate(level)


def rewrite_member(
    src: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    out: zipfile.ZipFile,
    transform: Callable[[Any], Iterator[bytes]],
    level: int = 6,
) -> None:
    """Stream member ``info`` of ``src`` into ``out`` through ``transform`` (given the
    member's open file, yielding the new bytes), deflating on parallel threads."""
    from xl_crm.xlsx.heap import fix_mmap_threshold

    fix_mmap_threshold()
    target = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    target.compress_type = zipfile.ZIP_DEFLATED
    with (
        ReadAhead(src, info) if ReadAhead.possible(src, info) else src.open(info) as raw_in,
        out.open(target, "w", force_zip64=True) as raw_out,
        _ThreadedSink(raw_out) as sink,
    ):
        parallel_deflate(raw_out, level)
        for block in transform(raw_in):
            sink.write(block)
