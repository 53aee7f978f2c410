"""The stored bytes of a package's parts, to show that a write left the others as they were."""

from __future__ import annotations

import zipfile
from pathlib import Path

from xl_crm.xlsx.zipcopy import raw_member


def raw_parts(path: Path) -> dict[str, bytes]:
    """Every member's local header and compressed bytes, as stored, by member name."""
    with zipfile.ZipFile(path) as z, path.open("rb") as fh:
        return {info.filename: raw_member(fh, info) for info in z.infolist()}
