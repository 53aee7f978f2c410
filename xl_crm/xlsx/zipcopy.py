"""Rewriting a zip package while copying untouched members byte for byte.

``PackageRewriter`` writes a new zip in which every member that is not replaced keeps its
exact local header and compressed bytes (charts, images, VBA, comments: never inflated,
never re-compressed), and replaced members are streamed through zlib.  Python's zipfile
writes the central directory from the copied entries with their new offsets.
"""

from __future__ import annotations

import contextlib
import copy
import queue
import struct
import threading
import zipfile
from collections.abc import Iterator
from typing import Any, BinaryIO

try:  # zlib-ng: the same deflate streams, made about twice as fast
    from zlib_ng import zlib_ng as FAST_ZLIB
except ImportError:  # pragma: no cover - a core dependency; the standard zlib otherwise
    import zlib as FAST_ZLIB

_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_DESCRIPTOR_SIG = b"PK\x07\x08"
_CHUNK = 1 << 18  # compressed bytes read (and inflated) at a time


def raw_member(fp: BinaryIO, info: zipfile.ZipInfo) -> bytes:
    """The member's local header, compressed data and data descriptor, as stored."""
    fp.seek(info.header_offset)
    header = fp.read(_LOCAL_HEADER.size)
    fields = _LOCAL_HEADER.unpack(header)
    if fields[0] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    name_len, extra_len = fields[9], fields[10]
    flags = fields[2]
    rest = fp.read(name_len + extra_len + info.compress_size)
    data = header + rest
    if flags & 0x08:  # sizes follow the data in a descriptor
        zip64 = info.compress_size >= 0xFFFFFFFF or info.file_size >= 0xFFFFFFFF
        size = 20 if zip64 else 12
        peek = fp.read(4)
        if peek == _DESCRIPTOR_SIG:
            data += peek + fp.read(size)
        else:
            data += peek + fp.read(size - 4)
    return data


class PackageRewriter:
    """Copy members of ``source`` into ``out``; replaced members are written by the caller."""

    def __init__(self, source: zipfile.ZipFile, out: zipfile.ZipFile) -> None:
        self.source = source
        self.out = out

    def copy(self, info: zipfile.ZipInfo) -> None:
        raw = raw_member(self.source.fp, info)  # type: ignore[arg-type]
        clone = copy.copy(info)
        fp = self.out.fp
        clone.header_offset = fp.tell()  # type: ignore[union-attr]
        fp.write(raw)  # type: ignore[union-attr]
        self.out.filelist.append(clone)
        self.out.NameToInfo[clone.filename] = clone
        self.out.start_dir = fp.tell()  # type: ignore[union-attr]
        self.out._didModify = True  # zipfile then writes the central directory on close


class ReadAhead:
    """A deflated (or stored) member of ``source`` opened for reading, inflated on a thread
    of its own ahead of the reader: ``read(n)`` hands over blocks inflated while the caller
    worked on the one before (zlib releases the GIL), so inflating leaves the thread that
    patches rows.  A drop-in for ``source.open(info)`` where the caller reads blocks in
    turn; the member's CRC-32 and size are checked at its end (``zipfile.BadZipFile``, as
    ``source.open`` raises).  The member is read through a file handle of its own."""

    def __init__(self, source: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        self.source = source
        self.info = info
        self.queue: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=1)
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        self.rest = b""
        self.done = False

    @staticmethod
    def possible(source: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
        """Whether the member can be read ahead: deflated or stored, not encrypted, in a
        zip opened from a file name."""
        return (
            isinstance(source.filename, str)
            and not info.flag_bits & 0x1
            and info.compress_type in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED)
        )

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def read(self, size: int = -1) -> bytes:
        """The next at most ``size`` bytes (all the rest for -1); b"" at the end."""
        if self.thread is None:
            self.thread = threading.Thread(
                target=self._run, args=(size if size > 0 else 1 << 22,), daemon=True,
                name="xlcrm-inflate",
            )  # fmt: skip
            self.thread.start()
        while not self.done and (size < 0 or len(self.rest) < size):
            kind, item = self.queue.get()
            if kind == "error":
                self.done = True
                raise item
            if kind == "end":
                self.done = True
            else:
                self.rest = item if not self.rest else self.rest + item
        if size < 0 or len(self.rest) <= size:
            out, self.rest = self.rest, b""
        else:
            out, self.rest = self.rest[:size], self.rest[size:]
        return out

    def close(self) -> None:
        """Stop the inflating thread (if still running) and wait for it."""
        self.stop.set()
        while self.thread is not None and self.thread.is_alive():
            with contextlib.suppress(queue.Empty):
                self.queue.get(timeout=0.05)
        self.thread = None

    def _run(self, block: int) -> None:
        try:
            for data in self._inflate(block):
                if self.stop.is_set():
                    return
                self.queue.put(("data", data))
            self.queue.put(("end", None))
        except BaseException as exc:  # handed to the reader
            self.queue.put(("error", exc))

    def _inflate(self, block: int) -> Iterator[bytes]:
        info = self.info
        deflated = info.compress_type == zipfile.ZIP_DEFLATED
        inflater = FAST_ZLIB.decompressobj(-15) if deflated else None
        crc, size, left = 0, 0, info.compress_size
        pending = bytearray()
        with open(self.source.filename, "rb") as fh:  # type: ignore[arg-type]
            fh.seek(info.header_offset)
            fields = _LOCAL_HEADER.unpack(fh.read(_LOCAL_HEADER.size))
            if fields[0] != b"PK\x03\x04":
                raise zipfile.BadZipFile(f"bad local header for {info.filename}")
            fh.seek(fields[9] + fields[10], 1)  # the name and extra field
            while left > 0 or pending:
                if left > 0:
                    chunk = fh.read(min(_CHUNK, left))
                    if not chunk:
                        raise zipfile.BadZipFile(f"{info.filename} is cut short")
                    left -= len(chunk)
                    out = inflater.decompress(chunk) if inflater is not None else chunk
                    if left == 0 and inflater is not None:
                        out += inflater.flush()
                    crc = FAST_ZLIB.crc32(out, crc)
                    size += len(out)
                    pending += out
                while len(pending) >= block or (left == 0 and pending):
                    yield bytes(pending[:block])
                    del pending[:block]
                if self.stop.is_set():
                    return
        if crc != info.CRC or size != info.file_size:
            raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")
