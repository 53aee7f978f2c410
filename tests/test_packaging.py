"""The wheel ships the templates, and an installed package finds them there."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_contains_templates_and_both_packages(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("xl_crm-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {Path(n).name for n in names if n.startswith("xl_crm/_templates/")}
    assert shipped == {p.name for p in (ROOT / "templates").glob("*.yaml")}
    assert "sheets_sync/__init__.py" in names
    # the service upgrades its database on start from the migrations inside the package
    migrations = {p.relative_to(ROOT).as_posix()
                  for p in (ROOT / "sheets_sync/service/migrations").rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts}  # fmt: skip
    assert migrations and migrations <= set(names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "xl-crm = xl_crm.cli.app:main" in zipfile.ZipFile(wheel).read(entry_points).decode()

    # run from the unpacked wheel (not the source tree): templates come from inside it
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "from xl_crm.specs import templates_dir, builtin_names; "
        "print(templates_dir()); print(','.join(builtin_names()))"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    assert Path(out[0]) == site / "xl_crm" / "_templates"
    assert out[1] == "car_sales,ecommerce,hotel,ledger"
