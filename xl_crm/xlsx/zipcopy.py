"""Rewriting a zip package while copying untouched members byte for byte.

``PackageRewriter`` writes a new zip in which every member that is not replaced keeps its
exact local header and compressed bytes (charts, images, VBA, comments: never inflated,
never re-compressed), and replaced members are streamed through zlib.  Python's zipfile
writes the central directory from the copied entries with their new offsets.
"""

from __future__ import annotations

import copy
import struct
import zipfile
from typing import BinaryIO

_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_DESCRIPTOR_SIG = b"PK\x07\x08"


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
