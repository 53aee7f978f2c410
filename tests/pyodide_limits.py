"""What Pyodide (xlwings Lite) lacks, played in a fresh CPython: the first lines of a
probe run with ``python -c`` by the tests of the Lite import path
(``tests/test_excel_lite.py``, ``tests/test_excel_imports.py``)."""

from __future__ import annotations

#: fastexcel, python-calamine and zlib-ng (no Pyodide builds) unimportable (sys.modules
#: entries None: ImportError),
#: threads and sockets refused; the probe's own lines follow
PRELUDE = r"""
import json, socket, sys, threading

for name in ("fastexcel", "python_calamine", "zlib_ng"):
    sys.modules[name] = None  # import fastexcel -> ImportError


def refuse(*args, **kwargs):
    raise RuntimeError("no threads or sockets in Pyodide")


threading.Thread.start = refuse
socket.socket.__init__ = refuse
socket.create_connection = refuse
"""
