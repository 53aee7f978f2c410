"""The HTML report: one self-contained page (no network), charts as inline SVG, and a
table of findings filterable by typing.  Every value is HTML-escaped."""

from __future__ import annotations

import html
import json

import numpy as np

from xl_crm.validation.render import WORDS, column_text, sheet_line
from xl_crm.validation.report import Report
from xl_crm.view.matching import BookMapping

MAX_ROWS = 5000
BANDS = 10
#: the colours of a line chart's series, in turn
PALETTE = ("#c81e1e", "#305496", "#2f855a", "#b7791f", "#6b46c1", "#00838f", "#52606d", "#d53f8c")

_CSS = """
body{font-family:-apple-system,"Segoe UI","PingFang SC","Noto Sans CJK SC","Microsoft YaHei",
sans-serif;margin:24px;color:#1f2933;background:#f7f9fc}
h1{font-size:22px;margin:0 0 4px} .meta{color:#52606d;margin-bottom:16px}
.cards{display:flex;gap:12px;margin:12px 0 20px}
.card{background:#fff;border-radius:8px;padding:12px 18px;box-shadow:0 1px 3px #0002}
.card b{display:block;font-size:24px} .bad{color:#c81e1e} .warn{color:#b7791f} .good{color:#2f855a}
.charts{display:flex;flex-wrap:wrap;gap:16px}
.chart{background:#fff;border-radius:8px;padding:12px;box-shadow:0 1px 3px #0002}
.chart h2{font-size:15px;margin:0 0 8px}
table{border-collapse:collapse;width:100%;background:#fff;margin-top:12px;font-size:13px}
th,td{border-bottom:1px solid #e4e7eb;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#305496;color:#fff;position:sticky;top:0}
td:first-child{white-space:nowrap}
tr.error td:first-child{border-left:4px solid #c81e1e}
tr.warning td:first-child{border-left:4px solid #d69e2e}
input{padding:8px;width:320px;border:1px solid #cbd2d9;border-radius:6px;margin-top:16px}
.note{color:#52606d;font-size:12px}
.mapping{background:#fff;border-radius:8px;padding:10px 16px;box-shadow:0 1px 3px #0002}
.mapping h2{font-size:15px;margin:0 0 6px} .mapping ul{margin:4px 0;padding-left:20px}
.mapping .cols{color:#52606d;font-size:13px}
.legend{font-size:12px;color:#52606d} .legend span{margin-right:10px}
"""

_JS = """
const box=document.getElementById('filter');
function apply(){const q=box.value.toLowerCase();let shown=0;
for(const tr of document.querySelectorAll('#findings tbody tr')){
const hit=tr.textContent.toLowerCase().includes(q);tr.style.display=hit?'':'none';if(hit)shown++;}
document.getElementById('shown').textContent=shown;}
box.addEventListener('input',apply);
const m=location.hash.match(/^#q=(.*)$/);if(m){box.value=decodeURIComponent(m[1]);apply();}
"""


def _bar_chart(title: str, counts: list[tuple[str, int]], colour: str) -> str:
    counts = counts[:12]
    if not counts:
        return ""
    width, bar_h, label_w = 460, 20, 170
    height = bar_h * len(counts) + 10
    top = max(n for _, n in counts) or 1
    bars = []
    for i, (label, n) in enumerate(counts):
        y = i * bar_h + 4
        w = max(2, int((width - label_w - 60) * n / top))
        bars.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" font-size="12">'
            f"{html.escape(label[:28])}</text>"
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h - 6}" fill="{colour}" rx="2"/>'
            f'<text x="{label_w + w + 4}" y="{y + 13}" font-size="12">{n:,}</text>'
        )
    return (
        f'<div class="chart"><h2>{html.escape(title)}</h2>'
        f'<svg role="img" aria-label="{html.escape(title)}" width="{width}" height="{height}">'
        + "".join(bars)
        + "</svg></div>"
    )


def line_chart(title: str, labels: list[str], series: dict[str, list[float | None]]) -> str:
    """An inline SVG line chart titled ``title``: x is ``labels`` (one per point, e.g. run
    times, oldest first), one line per item of ``series`` (name -> a value per label; None
    leaves a gap), each point a ``<circle class="point">`` with its value in a
    ``<title>``.  The y axis runs from 0 to the highest value.  Empty string when there
    is nothing to draw."""
    if not labels or not series:
        return ""
    esc = html.escape
    width, height, left, top_pad, bottom = 460, 180, 40, 10, 24
    values = [v for vs in series.values() for v in vs if v is not None]
    top = max(values, default=0) or 1
    step = (width - left - 10) / max(1, len(labels) - 1)
    plot = height - top_pad - bottom
    parts = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" '
        'stroke="#cbd2d9"/>',
        f'<text x="{left - 4}" y="{top_pad + 4}" text-anchor="end" font-size="11">{top:g}</text>',
        f'<text x="{left - 4}" y="{height - bottom}" text-anchor="end" font-size="11">0</text>',
        f'<text x="{left}" y="{height - 6}" font-size="11">{esc(labels[0])}</text>',
    ]
    if len(labels) > 1:
        parts.append(
            f'<text x="{width - 10}" y="{height - 6}" text-anchor="end" font-size="11">'
            f"{esc(labels[-1])}</text>"
        )
    legend = []
    for n, (name, vs) in enumerate(series.items()):
        colour = PALETTE[n % len(PALETTE)]
        points = [
            (i, left + i * step, top_pad + plot * (1 - v / top), v)
            for i, v in enumerate(vs)
            if v is not None
        ]
        if len(points) > 1:
            line = " ".join(f"{x:.1f},{y:.1f}" for _, x, y, _ in points)
            parts.append(
                f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        parts += [
            f'<circle class="point" data-series="{esc(name)}" cx="{x:.1f}" cy="{y:.1f}" r="3" '
            f'fill="{colour}"><title>{esc(name)} {esc(labels[i])}: {v:g}</title></circle>'
            for i, x, y, v in points
        ]
        legend.append(f'<span style="color:{colour}">&#9679; {esc(name)}</span>')
    return (
        f'<div class="chart"><h2>{esc(title)}</h2>'
        f'<svg role="img" aria-label="{esc(title)}" width="{width}" height="{height}">'
        + "".join(parts)
        + f'</svg><div class="legend">{"".join(legend)}</div></div>'
    )


def page(title: str, body: str, *, lang: str = "zh", script: str = "") -> str:
    """One self-contained HTML page in the report's style: ``title`` (escaped here),
    ``body`` (HTML, escaped by the caller) and an optional inline ``script``."""
    tail = f"<script>{script}</script>" if script else ""
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
        f"{body}{tail}</body></html>"
    )


def _bands(report: Report) -> list[tuple[str, int]]:
    parts = [np.array([f.row for f in report.findings if f.row], dtype=np.int64)]
    parts += [b.rows for b in report.more]
    rows = np.concatenate(parts)
    if not len(rows):
        return []
    top = max(report.rows.values() or [int(rows.max())]) + 2
    size = max(1, -(-top // BANDS))
    bands, counts = np.unique(rows // size, return_counts=True)
    return [
        (f"{b * size:,}–{(b + 1) * size - 1:,}", int(n))
        for b, n in zip(bands.tolist(), counts.tolist(), strict=True)
    ]


def _mapping(mapping: BookMapping | None, lang: str) -> str:
    """The mapping section: each sheet -> template sheet with its columns -> fields."""
    if mapping is None:
        return ""
    w = WORDS[lang]
    esc = html.escape
    items = []
    for m in mapping.sheets:
        cols = " · ".join(column_text(c.column, c.header, c.field) for c in m.mapped)
        unmapped = " · ".join(column_text(c.column, c.header, None) for c in m.unmapped)
        extra = f"<br>{esc(w['unmapped'])}: {esc(unmapped)}" if unmapped else ""
        items.append(
            f'<li>{esc(sheet_line(m, lang))}<div class="cols">{esc(cols or w["none"])}'
            f"{extra}</div></li>"
        )
    if mapping.missing_sheets:
        names = ", ".join(
            f"{zh if lang == 'zh' else en} ({sid})" for sid, zh, en in mapping.missing_sheets
        )
        items.append(f'<li class="warn">{esc(w["missing_sheets"])}: {esc(names)}</li>')
    if mapping.unused_sheets:
        names = ", ".join(mapping.unused_sheets)
        items.append(f"<li>{esc(w['unused_sheets'])}: {esc(names)}</li>")
    return (
        f'<div class="mapping" id="mapping"><h2>{esc(w["mapping"])}</h2>'
        f"<ul>{''.join(items)}</ul></div>"
    )


def render_html(report: Report, *, lang: str = "zh", trends: str = "") -> str:
    """The report as one self-contained HTML page in ``lang``: counts, charts (by rule,
    field and row band, all findings counted), ``trends`` (HTML such as line charts from
    :func:`line_chart`, shown after the charts) and the first :data:`MAX_ROWS`
    findings."""
    w = WORDS[lang]
    esc = html.escape
    score_class = "good" if report.valid else "bad"
    rows_text = ", ".join(f"{esc(s)} {n:,}" for s, n in report.rows.items())
    cards = (
        f'<div class="cards"><div class="card"><b class="bad">{report.errors:,}</b>'
        f'{w["errors"]}</div><div class="card"><b class="warn">{report.warnings:,}</b>'
        f'{w["warnings"]}</div><div class="card"><b class="{score_class}">{report.score:.2f}'
        f"</b>{w['score']}</div></div>"
    )
    charts = (
        '<div class="charts">'
        + _bar_chart(w["by_rule"], list(report.counts_by_rule().items()), "#c81e1e")
        + _bar_chart(w["by_field"], list(report.counts_by_field().items()), "#305496")
        + _bar_chart(w["by_band"], _bands(report), "#2f855a")
        + "</div>"
    )
    head = "".join(
        f"<th>{esc(w[k])}</th>"
        for k in ("cell", "severity", "rule", "field", "value", "message", "hint")
    )
    body = []
    for f in report.findings[:MAX_ROWS]:
        body.append(
            f'<tr class="{esc(f.severity)}"><td>{esc(f.where)}</td><td>{esc(f.severity)}</td>'
            f"<td>{esc(f.rule)}</td><td>{esc(f.header or '')}</td><td>{esc(f.value or '')}</td>"
            f"<td>{esc(f.message(lang))}</td><td>{esc(f.hint(lang))}</td></tr>"
        )
    shown = min(len(report.findings), MAX_ROWS)
    note = ""
    if report.total > shown:
        note = (
            f'<p class="note">{report.total - shown:,} more findings are in the '
            "JSON and CSV reports.</p>"
        )
    data = json.dumps(
        {"errors": report.errors, "warnings": report.warnings, "score": report.score},
        ensure_ascii=False,
    )
    return page(
        f"{w['title']} · {report.file}",
        f'<h1>{esc(w["title"])}</h1><div class="meta">{esc(w["file"])}: {esc(report.file)} · '
        f"{esc(w['template'])}: {esc(report.template)} · {rows_text}</div>"
        f"{_mapping(report.mapping, lang)}{cards}{charts}{trends}"
        f'<input id="filter" placeholder="{esc(w["filter"])}" aria-label="filter">'
        f' <span class="note"><span id="shown">{shown}</span> / {report.total:,}</span>'
        f'<table id="findings"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody>'
        f"</table>{note}"
        f'<script type="application/json" id="summary">{esc(data)}</script>',
        lang=lang,
        script=_JS,
    )
