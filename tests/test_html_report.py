"""The HTML report in a real browser: headless Chromium renders it and runs its filter."""

from __future__ import annotations

from PIL import Image

from tests.conftest import run_chromium
from tests.wrongcells import inject_ecommerce
from xl_crm import validate
from xl_crm.validation.render import write_html
from xl_crm.xlsx.builder import build_workbook


def _report(tmp_path):
    book = tmp_path / "shop.xlsx"
    build_workbook("ecommerce", book, sample=40, seed=3)
    inject_ecommerce(book)
    page = tmp_path / "report.html"
    report = validate(book, mask=True)
    write_html(report, page, lang="en")
    return report, page


def test_screenshot_shows_cards_charts_and_table(tmp_path):
    report, page = _report(tmp_path)
    shot = tmp_path / "shot.png"
    run_chromium(["--window-size=1300,1000", f"--screenshot={shot}", page.as_uri()], tmp_path)
    image = Image.open(shot).convert("RGB")
    assert image.size == (1300, 1000)
    colours = {c for _, c in image.getcolors(maxcolors=1_000_000)}
    # the error bars (#c81e1e), the field bars and table header (#305496), the band bars
    for rgb in ((0xC8, 0x1E, 0x1E), (0x30, 0x54, 0x96), (0x2F, 0x85, 0x5A)):
        assert rgb in colours, f"colour {rgb} not on the page"
    # most of the page is not blank
    white = sum(
        n
        for n, c in image.getcolors(maxcolors=1_000_000)
        if c in ((255, 255, 255), (247, 249, 252))
    )
    assert white < 0.9 * 1300 * 1000
    assert report.errors > 0


def test_filter_runs_in_the_browser(tmp_path):
    report, page = _report(tmp_path)
    dom = run_chromium(
        ["--virtual-time-budget=2000", "--dump-dom", page.as_uri() + "#q=phone"], tmp_path
    ).stdout
    rows = dom.split("<tbody>")[1].split("</tbody>")[0].split("<tr")[1:]
    visible = [r for r in rows if "display: none" not in r]
    expected = [
        f
        for f in report.findings
        if "phone"
        in " ".join(
            [f.where, f.severity, f.rule, f.header or "", f.value or "", f.message_en, f.hint_en]
        ).lower()
    ]
    assert len(rows) == len(report.findings)
    assert len(visible) == len(expected) > 0
    assert f'<span id="shown">{len(expected)}</span>' in dom
    assert "138****4567" in dom and "1381234567" not in dom  # masked in the page too
