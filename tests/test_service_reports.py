"""The service's ``report`` action and delivery: per-run HTML and JSON reports with trend
charts across the job's history (checked in the SVG and in headless Chromium), ``xl-crm
report JOB``, delivery to a folder and to a webhook served over real HTTP by a local
http.server, masking, and the report tab on a Google Sheet (the emulator)."""

from __future__ import annotations

import io
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sheets_sync.service import Service, json_log, load_jobs, open_store
from tests.conftest import run_chromium
from tests.servicejobs import PLANTED, job, planted_book, write_jobs
from xl_crm.cli.app import app
from xl_crm.errors import JobsFileError
from xl_crm.excel.macros import FINDINGS_SHEET


class _Hook:
    """A webhook on 127.0.0.1 (ThreadingHTTPServer): answers the first ``fail_first``
    POSTs with 503, then 200; keeps every body received."""

    def __init__(self, fail_first: int = 0) -> None:
        self.bodies: list[bytes] = []
        self.fail_first = fail_first
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.bodies.append(body)
                failing = len(hook.bodies) <= hook.fail_first
                self.send_response(503 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/crm?token=s3cret"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook():
    served = _Hook(fail_first=1)
    yield served
    served.close()


def _points(page: str, series: str) -> list[str]:
    """The values of ``series``'s points in the page's line charts (their <title>s)."""
    return re.findall(
        rf'<circle class="point" data-series="{re.escape(series)}"[^>]*><title>[^<]*: ([^<]+)<',
        page,
    )


def _no_planted_value(text: str) -> None:
    leaked = [v for v in PLANTED if v in text]
    assert leaked == [], f"personal data in the output: {leaked}"


def _service(jobs_file: Path) -> tuple[Service, object]:
    jobs = load_jobs(jobs_file)
    store = open_store(jobs.default_db)
    return Service(jobs, store, log=json_log(io.StringIO())), store


def _run_twice(jobs_file: Path) -> tuple[list, object]:
    service, store = _service(jobs_file)
    first = service.run_once()
    time.sleep(1.1)  # the next slot of {every: 1}
    second = service.run_once()
    return [first[0], second[0]], store


def test_two_runs_write_two_reports_whose_trend_grows_and_deliver_them(tmp_path, hook):
    planted_book(tmp_path / "a.xlsx")
    jobs_file = write_jobs(
        tmp_path / "jobs.yaml",
        [
            job(
                "shop", "a.xlsx", 1, actions=["validate", "report"],
                deliver={"folder": "out", "webhook": hook.url, "timeout": 5, "retries": 2},
            )
        ],
    )  # fmt: skip
    outcomes, store = _run_twice(jobs_file)
    assert [o.status for o in outcomes] == ["succeeded", "succeeded"], outcomes
    folder = tmp_path / "reports" / "shop"
    pages = sorted(folder.glob("shop-*.html"))
    datas = sorted(folder.glob("shop-*.json"))
    assert len(pages) == len(datas) == 2
    history = store.history("shop")
    assert [r["report"] for r in history] == [str(p) for p in pages]
    assert [r["delivery_error"] for r in history] == [None, None]

    score_label = "质量分（历次运行）"
    first, second = (p.read_text(encoding="utf-8") for p in pages)
    assert len(_points(first, score_label)) == 1
    assert _points(second, score_label) == [f"{r['score']:g}" for r in history]
    assert len(_points(second, "email")) == 2 and "<polyline" in second

    data = json.loads(datas[1].read_text(encoding="utf-8"))
    assert data["job"] == "shop"
    assert [p["run_time"] for p in data["history"]] == [
        r["started_at"].isoformat() for r in history
    ]
    assert [p["findings"] for p in data["history"]] == [r["findings"] for r in history]
    assert [p["score"] for p in data["history"]] == [r["score"] for r in history]
    assert data["summary"]["by_rule"] == history[1]["findings"]

    # delivered: the files copied, the summary POSTed (the first POST got a 503: retried)
    for path in [*pages, *datas]:
        assert (tmp_path / "out" / path.name).read_bytes() == path.read_bytes()
    assert list((tmp_path / "out").glob("*.part")) == []
    bodies = [json.loads(b) for b in hook.bodies]
    assert len(bodies) == 3  # 503, then 200; then the second run's
    assert bodies[1] == bodies[0]
    assert bodies[2]["job"] == "shop" and bodies[2]["outcome"] == "succeeded"
    assert bodies[2]["findings"] == history[1]["findings"]
    assert bodies[2]["score"] == history[1]["score"]
    assert bodies[2]["report"] == str(pages[1])

    # masked (the default): no planted personal value in any output
    for text in [first, second, *(d.read_text(encoding="utf-8") for d in datas)]:
        _no_planted_value(text)
    _no_planted_value(b"".join(hook.bodies).decode("utf-8"))
    store.close()


def test_an_unmasked_job_shows_the_values_the_masked_one_hides(tmp_path):
    planted_book(tmp_path / "a.xlsx")
    jobs_file = write_jobs(
        tmp_path / "jobs.yaml",
        [job("open", "a.xlsx", 1, actions=["report"], options={"mask": False})],
    )
    service, store = _service(jobs_file)
    (outcome,) = service.run_once()
    assert outcome.status == "succeeded", outcome.result
    page = Path(outcome.result.report).read_text(encoding="utf-8")
    assert PLANTED[2] in page  # the bad e-mail, in clear: the masking test can fail
    assert outcome.result.findings["email"] == 1  # report validated by itself
    store.close()


def test_a_delivery_failure_is_recorded_and_the_run_still_succeeds(tmp_path):
    planted_book(tmp_path / "a.xlsx")
    planted_book(tmp_path / "b.xlsx")
    dead = _Hook()
    url = dead.url
    dead.close()  # nothing listens there now
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    jobs_file = write_jobs(
        tmp_path / "jobs.yaml",
        [
            job(
                "a", "a.xlsx", 1, actions=["validate", "report"],
                deliver={"folder": "blocked/sub", "webhook": url, "timeout": 2, "retries": 1},
            ),
            job("b", "b.xlsx", 1, actions=["validate", "report"]),
        ],
    )  # fmt: skip
    service, store = _service(jobs_file)
    outcomes = service.run_once()
    assert [o.status for o in outcomes] == ["succeeded", "succeeded"]
    (run_a,) = store.history("a")
    assert run_a["outcome"] == "succeeded"
    error = run_a["delivery_error"]
    assert error.startswith("folder: ") and "; webhook: ConnectionError at 127.0.0.1:" in error
    assert "s3cret" not in error and "/hooks" not in error  # the URL's token stays out
    assert store.history("b")[0]["report"] and store.history("b")[0]["delivery_error"] is None
    store.close()


def test_the_report_renders_in_chromium_with_charts_and_no_script_error(tmp_path):
    planted_book(tmp_path / "a.xlsx")
    jobs_file = write_jobs(
        tmp_path / "jobs.yaml", [job("shop", "a.xlsx", 1, actions=["validate", "report"])]
    )
    outcomes, store = _run_twice(jobs_file)
    page = Path(outcomes[1].result.report)
    run = run_chromium(
        ["--enable-logging=stderr", "--v=0", "--virtual-time-budget=2000", "--dump-dom",
         page.as_uri() + "#q=email"],
        tmp_path,
    )  # fmt: skip
    dom = run.stdout
    assert "Uncaught" not in run.stderr, run.stderr[-2000:]
    trends = dom.split('id="trends"')[1].split("</svg>")
    assert len(re.findall(r'<circle class="point"', trends[0])) >= 2  # the rules' lines
    assert len(re.findall(r'<circle class="point"', trends[1])) == 2  # the score's line
    # the filter script ran: only the e-mail finding is shown
    assert '<span id="shown">1</span>' in dom
    store.close()


def test_xl_crm_report_renders_the_history(tmp_path):
    planted_book(tmp_path / "a.xlsx")
    jobs_file = write_jobs(
        tmp_path / "jobs.yaml",
        [job("shop", "a.xlsx", 1, actions=["validate", "report"]), job("bad", "none.xlsx", 1)],
    )
    _, store = _run_twice(jobs_file)
    history = store.history("shop")
    store.close()
    runner = CliRunner()
    out = tmp_path / "history.html"
    args = ["report", "shop", "--jobs", str(jobs_file), "--out", str(out), "--lang", "en"]
    result = runner.invoke(app, [*args, "--json", "-"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"job": "shop", "report": str(out), "runs": 2}
    page = out.read_text(encoding="utf-8")
    assert _points(page, "Quality score over time") == [f"{r['score']:g}" for r in history]
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr")[1:]
    assert len(rows) == 2 and all("succeeded" in r and history[0]["report"] in r for r in rows[:1])

    later = runner.invoke(app, [*args, "--since", "2999-01-01"])
    assert later.exit_code == 0 and "0 runs" in later.output
    assert "<tbody></tbody>" in out.read_text(encoding="utf-8")

    default = runner.invoke(app, ["report", "bad", "--jobs", str(jobs_file)])
    assert default.exit_code == 0, default.output
    failed = (tmp_path / "reports" / "bad" / "bad-history.html").read_text(encoding="utf-8")
    assert "file-not-found" in failed

    unknown = runner.invoke(app, ["report", "nope", "--jobs", str(jobs_file)])
    assert unknown.exit_code == 2 and "nope" in unknown.output


def test_the_jobs_file_places_reports_and_checks_deliver(tmp_path):
    jobs = load_jobs(
        write_jobs(
            tmp_path / "jobs.yaml",
            [job("a", "a.xlsx", deliver={"folder": "share"})],
            reports="rep",
        )
    )
    assert jobs.report_folder("a") == tmp_path / "rep" / "a"
    assert jobs.job("a").deliver.folder == tmp_path / "share"
    with pytest.raises(JobsFileError) as caught:
        load_jobs(
            write_jobs(
                tmp_path / "bad.yaml",
                [
                    job("a", "a.xlsx", deliver={}),
                    job("b", "b.xlsx", deliver={"webhook": "ftp://x"}),
                ],
            )
        )
    text = str(caught.value)
    assert "jobs[0].deliver" in text and "jobs[1].deliver.webhook" in text


def test_a_google_sheet_gets_the_report_tab(tmp_path, sheets_emulator, sheets_client):
    key = sheets_emulator.load(planted_book(tmp_path / "a.xlsx"))[0]
    jobs = load_jobs(
        write_jobs(tmp_path / "jobs.yaml", [job("team", f"gsheet://{key}", 60, actions=["report"])])
    )
    store = open_store(jobs.default_db)
    service = Service(
        jobs, store, log=json_log(io.StringIO()), sheets_client=lambda _: sheets_client
    )
    (outcome,) = service.run_once()
    assert outcome.status == "succeeded", outcome.result
    tab = sheets_client.open_by_key(key).worksheet(FINDINGS_SHEET).get_all_values()
    assert tab[0][0] == "单元格" and len(tab) - 1 == sum(outcome.result.findings.values())
    _no_planted_value(json.dumps(tab, ensure_ascii=False))
    assert Path(outcome.result.report).is_file()
    store.close()
