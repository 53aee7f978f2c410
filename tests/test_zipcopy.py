"""Reading a zip member ahead of the patcher (``xl_crm.xlsx.zipcopy.ReadAhead``): the same
bytes as ``zipfile`` reads, in the blocks asked for, with the CRC checked and the thread
stopped when the reader stops early."""

from __future__ import annotations

import io
import random
import threading
import zipfile

import pytest

from xl_crm.xlsx.zipcopy import ReadAhead


def _data(n: int = 3_000_000) -> bytes:
    rng = random.Random(7)
    words = [f'<c r="A{i}"><v>{i * 3}</v></c>'.encode() for i in range(2000)]
    out = bytearray()
    while len(out) < n:
        out += rng.choice(words)
    return bytes(out)


def _zip(path, data: bytes, compression: int) -> zipfile.ZipFile:
    with zipfile.ZipFile(path, "w", compression) as z:
        z.writestr("a.txt", b"before")
        z.writestr("xl/worksheets/sheet1.xml", data)
        z.writestr("z.txt", b"after")
    return zipfile.ZipFile(path)


def _blocks(reader: ReadAhead, size: int) -> list[bytes]:
    out = []
    while block := reader.read(size):
        out.append(block)
    return out


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
@pytest.mark.parametrize("size", [1, 4096, 65_537, 1 << 22])
def test_read_ahead_reads_what_zipfile_reads(tmp_path, compression, size):
    data = _data(300_000 if size == 1 else 3_000_000)
    with _zip(tmp_path / "book.xlsx", data, compression) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
        assert ReadAhead.possible(z, info)
        with ReadAhead(z, info) as reader:
            blocks = _blocks(reader, size)
        assert b"".join(blocks) == z.read(info) == data
        assert all(len(b) == size for b in blocks[:-1]) and 0 < len(blocks[-1]) <= size
        assert reader.read(size) == b""


def test_read_ahead_refuses_a_damaged_member(tmp_path):
    data = _data()
    path = tmp_path / "book.xlsx"
    _zip(path, data, zipfile.ZIP_STORED).close()
    raw = bytearray(path.read_bytes())
    at = raw.find(b'<c r="A')  # a stored member: its bytes are in the file as they are
    raw[at + 1] = ord("d")
    path.write_bytes(bytes(raw))
    with (
        zipfile.ZipFile(path) as z,
        ReadAhead(z, z.getinfo("xl/worksheets/sheet1.xml")) as r,
        pytest.raises(zipfile.BadZipFile, match="CRC"),
    ):
        _blocks(r, 1 << 16)


def test_read_ahead_stops_its_thread_when_the_reader_stops(tmp_path):
    with _zip(tmp_path / "book.xlsx", _data(), zipfile.ZIP_DEFLATED) as z:
        reader = ReadAhead(z, z.getinfo("xl/worksheets/sheet1.xml"))
        assert reader.read(1024)
        names = {t.name for t in threading.enumerate()}
        assert "xlcrm-inflate" in names
        reader.close()
        assert reader.thread is None
        assert all(t.name != "xlcrm-inflate" for t in threading.enumerate())


def test_read_ahead_only_for_members_it_can_read(tmp_path):
    path = tmp_path / "book.xlsx"
    with _zip(path, b"x" * 100, zipfile.ZIP_BZIP2) as z:
        assert not ReadAhead.possible(z, z.getinfo("xl/worksheets/sheet1.xml"))
    _zip(path, b"x" * 100, zipfile.ZIP_DEFLATED).close()
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as z:  # no file to open again
        assert not ReadAhead.possible(z, z.getinfo("xl/worksheets/sheet1.xml"))
    with zipfile.ZipFile(path) as z:
        assert ReadAhead.possible(z, z.getinfo("xl/worksheets/sheet1.xml"))
