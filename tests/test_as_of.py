"""``--as-of`` and ``--window`` (``compute(as_of=..., window_days=...)``) read strictly
(fresh-clone review, issue 9): a date that reads two ways, a bare number, a time of day, a
year left out, a window of 0 or less are refused before the workbook is opened; every
unambiguous form the cells accept (``2026年6月30日``, ``2026/6/30``, ``30/06/2026`` ...)
is taken.  On real .xlsx files, through the library and the CLI.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from xl_crm import compute
from xl_crm.cli.app import app
from xl_crm.errors import AsOfDateError, InvalidOptionError, InvalidWindowError

runner = CliRunner()
JUNE_30 = dt.date(2026, 6, 30)


@pytest.fixture
def shop(shop_copy) -> Path:
    return shop_copy


@pytest.mark.parametrize(
    "given",
    [
        "2026-06-30",
        "2026年6月30日",
        "２０２６年６月３０日",  # full-width digits, as an IME types them
        "2026/6/30",
        "2026.06.30",
        "20260630",
        "30/06/2026",  # day first: the only reading (there is no month 30)
        "06/30/2026",  # month first: the only reading
        "30 June 2026",
        "2026-06-30 00:00",  # midnight: nothing is dropped
        JUNE_30,
        dt.datetime(2026, 6, 30),
        pd.Timestamp("2026-06-30"),
    ],
)
def test_an_unambiguous_day_is_taken(shop, given):
    result = compute(shop, as_of=given, backups=0)
    assert result.as_of == JUNE_30


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("06/07/2026", "reads as 2026-07-06 (day first) or 2026-06-07 (month first)"),
        ("6.7.2026", "reads as 2026-07-06 (day first) or 2026-06-07 (month first)"),
        ("123", "is a number, not a date"),
        ("45000", "is a number, not a date"),  # an Excel serial is not how a day is given
        ("2026-06-30 12:30", "has a time of day"),
        ("2026-06-30T08:00:00", "has a time of day"),
        ("June 30", "has no four-digit year"),  # would silently be this year's
        ("30/06/26", "has no four-digit year"),  # 1926 or 2026
        ("2026-02-30", "is not a date"),
        ("tomorrow", "is not a date"),
        ("", "is empty"),
        (dt.datetime(2026, 6, 30, 15, 0), "has a time of day"),
        (20260630, "is of type int, not a date"),
    ],
)
def test_a_doubtful_as_of_is_refused_before_the_book_is_opened(shop, given, said):
    before = shop.read_bytes()
    with pytest.raises(AsOfDateError) as info:
        compute(shop, as_of=given, backups=0)
    error = info.value
    assert error.reason == "invalid-as-of-date" and isinstance(error, InvalidOptionError)
    assert said in error.text("en")
    assert "YYYY-MM-DD" in error.text("zh") and "YYYY-MM-DD" in error.text("en")
    assert shop.read_bytes() == before


def test_an_ambiguous_date_suggests_both_iso_forms(shop):
    with pytest.raises(AsOfDateError) as info:
        compute(shop, as_of="06/07/2026")
    assert info.value.hint == "write it as YYYY-MM-DD: --as-of 2026-07-06 or --as-of 2026-06-07"


@pytest.mark.parametrize("window", [0, -1, -365, 1.5, True, "90"])
def test_a_window_that_is_not_a_positive_whole_number_of_days_is_refused(shop, window):
    before = shop.read_bytes()
    with pytest.raises(InvalidWindowError) as info:
        compute(shop, as_of="2026-06-30", window_days=window, backups=0)
    assert info.value.reason == "invalid-window"
    assert "positive whole number of days" in info.value.text("en")
    assert "正整数天数" in info.value.text("zh")
    assert shop.read_bytes() == before


@pytest.mark.parametrize("window", [36_501, 10**9])
def test_a_window_of_more_than_a_hundred_years_is_refused_plainly(shop, window):
    before = shop.read_bytes()
    with pytest.raises(InvalidWindowError) as info:
        compute(shop, as_of="2026-06-30", window_days=window, backups=0)
    assert info.value.text("en") == (
        f"--window {window}: the window is at most 36500 days (100 years)\n"
        "  expected: a whole number of days from 1 to 36500, e.g. 365\n"
        "  fix: e.g. --window 365 (the last year)"
    )
    assert shop.read_bytes() == before
    assert compute(shop, as_of="2026-06-30", window_days=36_500, backups=0).written


def test_a_one_day_window_counts_that_day(shop):
    result = compute(shop, as_of="2026-06-30", window_days=1, backups=0)
    assert result.as_of == JUNE_30 and result.written


# -- the same through the command line --------------------------------------------------------


def _cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["compute", *args])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.stdout, result.stderr


def test_cli_takes_a_chinese_date(shop):
    code, stdout, stderr = _cli(str(shop), "--as-of", "2026年6月30日", "--json", "-")
    assert code == 0, stderr
    assert json.loads(stdout)["as_of"] == "2026-06-30"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--as-of", "06/07/2026"], "--as-of '06/07/2026' reads as 2026-07-06 (day first)"),
        (["--as-of", "123"], "--as-of '123' is a number, not a date"),
        (["--as-of", "2026-06-30 18:00"], "has a time of day; the as-of date is a day"),
        (["--as-of", "2026-06-30", "--window", "0"], "--window 0: the window is a positive"),
        (["--as-of", "2026-06-30", "--window", "-30"], "--window -30: the window is a positive"),
    ],
)
def test_cli_refuses_with_exit_2_and_leaves_the_workbook(shop, args, said):
    before = shop.read_bytes()
    code, _, stderr = _cli(str(shop), *args, "--lang", "en")
    assert code == 2 and said in stderr
    assert shop.read_bytes() == before


def test_cli_says_it_in_chinese_by_default(shop):
    code, _, stderr = _cli(str(shop), "--as-of", "06/07/2026")
    assert code == 2
    assert "可读作 2026-07-06（日在前）或 2026-06-07（月在前）" in stderr
