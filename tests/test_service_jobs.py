"""The service's jobs file (clear errors with file, line and key) and when a job is due
(APScheduler's triggers over the run history)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sheets_sync.service.jobs import Schedule, load_jobs
from sheets_sync.service.schedule import due_slot, next_slot, trigger_of
from xl_crm.errors import JobsFileError

UTC = dt.UTC
T0 = dt.datetime(2026, 6, 30, 8, 0, tzinfo=UTC)


def _file(tmp: Path, text: str) -> Path:
    path = tmp / "jobs.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_jobs_file_loads_with_paths_beside_it(tmp_path):
    jobs = load_jobs(
        _file(
            tmp_path,
            "sheets: {credentials: keys/robot.json}\n"
            "jobs:\n"
            "  - name: shop\n"
            "    source: data/shop.xlsx\n"
            "    template: ecommerce\n"
            "    actions: [compute, validate, annotate]\n"
            "    schedule: {cron: '0 7 * * 1-5', timezone: Asia/Shanghai}\n"
            "    options: {as_of: 2026-06-30, window: 90, lang: en}\n"
            "  - name: team\n"
            "    source: gsheet://1AbCdEf\n"
            "    schedule: {every: PT15M}\n",
        )
    )
    shop, team = jobs.jobs
    assert shop.source == str(tmp_path / "data" / "shop.xlsx") and not shop.is_sheet
    assert shop.options.as_of == dt.date(2026, 6, 30) and shop.options.window == 90
    assert team.source == "gsheet://1AbCdEf" and team.is_sheet and team.actions == ["validate"]
    assert team.schedule.every == dt.timedelta(minutes=15)
    assert jobs.sheets.credentials == tmp_path / "keys" / "robot.json"
    assert jobs.default_db == f"sqlite:///{tmp_path / 'jobs.db'}"


@pytest.mark.parametrize(
    ("text", "line", "key", "words"),
    [
        ("jobs:\n  - name: a\n    source: x.xlsx\n    schedule: {every: 5}\n    colour: red\n",
         5, "jobs[0].colour", "unknown key 'colour'"),
        ("jobs:\n  - name: a\n    source: x.xlsx\n", 2, "jobs[0].schedule",
         "required key 'schedule' is missing"),
        ("jobs:\n  - name: a\n    source: x.xlsx\n    schedule: {cron: '61 * * * *'}\n",
         4, "jobs[0].schedule", "61"),
        ("jobs:\n  - name: a\n    source: x.xlsx\n    schedule: {cron: '* * * * *', every: 5}\n",
         4, "jobs[0].schedule", "exactly one of 'cron' and 'every'"),
        ("jobs:\n  - name: a\n    source: x.xlsx\n    schedule: {every: 5}\n"
         "    actions: [annotate, validate]\n", 5, "jobs[0].actions", "before it"),
        ("jobs:\n  - name: a\n    source: x.xlsx\n    schedule: {every: 5}\n"
         "    actions: [validate, print]\n", 5, "jobs[0].actions[1]", "'sync'"),
        ("jobs:\n  - name: a b\n    source: x.xlsx\n    schedule: {every: 5}\n",
         2, "jobs[0].name", "letters, digits"),
        ("jobs:\n  - {name: a, source: x.xlsx, schedule: {every: 5}}\n"
         "  - {name: a, source: y.xlsx, schedule: {every: 5}}\n", 1, "jobs",
         "a appears more than once"),
        ("jobs:\n  - name: a\n    source: x.xlsx\n    schedule: {every: 0.5}\n",
         4, "jobs[0].schedule", "at least 1 second"),
        ("jobs: [\n", 2, "", "invalid YAML"),
    ],
)  # fmt: skip
def test_a_bad_jobs_file_names_the_line_the_key_and_what_was_expected(
    tmp_path, text, line, key, words
):
    with pytest.raises(JobsFileError) as info:
        load_jobs(_file(tmp_path, text))
    problem = info.value.problems[0]
    assert (problem.file, problem.line, problem.key) == (str(tmp_path / "jobs.yaml"), line, key)
    assert words in problem.message
    assert info.value.reason == "jobs-file-invalid" and info.value.exit_code == 2
    assert "docs/service.md" in info.value.text("en") and "任务文件" in info.value.text("zh")


def test_a_missing_jobs_file_is_a_jobs_file_error(tmp_path):
    with pytest.raises(JobsFileError) as info:
        load_jobs(tmp_path / "none.yaml")
    assert "file not found" in info.value.problems[0].message


def test_an_interval_job_never_run_is_due_at_once_then_every_interval():
    every = trigger_of(Schedule(every=dt.timedelta(seconds=2)))
    assert due_slot(every, None, T0) == T0
    assert next_slot(every, T0, T0) == T0 + dt.timedelta(seconds=2)
    assert due_slot(every, T0, T0 + dt.timedelta(seconds=1)) is None
    on_time = T0 + dt.timedelta(seconds=2, milliseconds=300)
    assert due_slot(every, T0, on_time) == T0 + dt.timedelta(seconds=2)


def test_missed_slots_run_once_not_one_by_one():
    every = trigger_of(Schedule(every=dt.timedelta(seconds=2)))
    late = T0 + dt.timedelta(minutes=10)
    assert due_slot(every, T0, late) == late  # one run stands for the 300 missed slots
    assert due_slot(every, late, late + dt.timedelta(seconds=1)) is None


def test_a_cron_job_resumes_from_its_last_slot_in_its_time_zone():
    cron = trigger_of(Schedule(cron="0 7 * * 1-5", timezone="Asia/Shanghai"))
    tuesday_7 = dt.datetime(2026, 6, 30, 7, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    wednesday_7 = tuesday_7 + dt.timedelta(days=1)
    assert next_slot(cron, tuesday_7, tuesday_7) == wednesday_7.astimezone(UTC)
    assert due_slot(cron, tuesday_7, wednesday_7 - dt.timedelta(minutes=1)) is None
    assert due_slot(cron, tuesday_7, wednesday_7 + dt.timedelta(minutes=1)) == wednesday_7
