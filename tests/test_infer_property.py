"""Property: a spec inferred from a messy sheet validates that same sheet with no error.

Sheets are generated the way people keep them: title rows over the header, IDs as
numbers or text, phones stored as numbers or typed with dashes and +86, dates as cells
or text in several forms, amounts with ¥ and thousands separators, districts, free-text
notes with blanks and invisible characters, blank rows, repeated headers; saved as .xlsx
or as a UTF-8 or GBK CSV.
"""

from __future__ import annotations

import datetime as dt

import openpyxl
from hypothesis import given
from hypothesis import strategies as st

from tests.messy_books import DISTRICTS, LEVELS, NAMES, NOTES
from xl_crm import validate
from xl_crm.infer import infer_spec

HEADERS = {
    "id": ["客户ID", "编号", "CustomerID", "会员号"],
    "code": ["订单号", "Code", "单号"],
    "name": ["姓名", "Name", "客户名称"],
    "phone": ["手机", "电话", "Mobile", "联系电话"],
    "email": ["邮箱", "Email", "电子邮件"],
    "date": ["日期", "注册日期", "Date", "生日"],
    "datetime": ["下单时间", "Order Time"],
    "money": ["金额", "Amount", "消费金额", "单价"],
    "level": ["等级", "Level", "会员等级"],
    "place": ["所在区", "District", "城市"],
    "notes": ["备注", "Remarks", "说明"],
    "count": ["数量", "Qty", "次数"],
    "free": ["描述", "标签", "Comment"],
}
KINDS = list(HEADERS)
TEXT_FREE = st.text(
    alphabet=st.characters(
        codec="gbk", exclude_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp"), exclude_characters="="
    ),
    max_size=12,
)


def _date_text(d: dt.date, form: int) -> str:
    return [
        d.isoformat(),
        f"{d.year}/{d.month}/{d.day}",
        f"{d.year}年{d.month}月{d.day}日",
        f"{d.year}.{d.month:02d}.{d.day:02d}",
    ][form]


@st.composite
def cell(draw, kind: str, i: int):
    if kind == "id":
        return draw(st.sampled_from([1000 + i, str(1000 + i)]))
    if kind == "code":
        return f"C{i:04d}"
    if kind == "name":
        return draw(st.sampled_from(NAMES)) + str(i)
    if kind == "phone":
        n = 13800000000 + draw(st.integers(0, 99_999_999))
        s = str(n)
        return draw(st.sampled_from([float(n), s, f"{s[:3]}-{s[3:7]}-{s[7:]}", f"+86 {s}"]))
    if kind == "email":
        return f"u{i}.{draw(st.sampled_from(['a', 'bb', 'c_d']))}@example.com"
    if kind in ("date", "datetime"):
        d = dt.date(2020, 1, 1) + dt.timedelta(days=draw(st.integers(0, 2000)))
        if kind == "datetime":
            when = dt.datetime(d.year, d.month, d.day, draw(st.integers(0, 23)), 30)
            return draw(st.sampled_from([when, f"{d.year}/{d.month}/{d.day} {when:%H:%M}"]))
        return draw(st.sampled_from([d, _date_text(d, draw(st.integers(0, 3)))]))
    if kind == "money":
        cents = draw(st.integers(0, 10_000_000))
        v = cents / 100
        return draw(st.sampled_from([v, f"¥{v:.2f}", f"{v:,.2f}"]))
    if kind == "level":
        return draw(st.sampled_from(LEVELS))
    if kind == "place":
        return draw(st.sampled_from(DISTRICTS))
    if kind == "notes":
        return draw(st.sampled_from(NOTES))
    if kind == "count":
        return draw(st.integers(1, 30))
    return draw(TEXT_FREE)


@st.composite
def messy_sheets(draw):
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=2, max_size=7))
    headers: list[str] = []
    for kind in kinds:
        if headers and len(set(headers)) == len(headers) and draw(st.integers(0, 9)) == 0:
            headers.append(headers[-1])  # a repeated header
        else:
            pool = [h for h in HEADERS[kind] if h not in headers] or [f"{kind}{len(headers)}"]
            headers.append(draw(st.sampled_from(pool)))
    n = draw(st.integers(1, 25))
    rows = [[draw(cell(kind, i)) for kind in kinds] for i in range(n)]
    for r in rows:  # optional cells left blank now and then
        for j, kind in enumerate(kinds):
            if kind in ("notes", "free", "level", "phone") and draw(st.integers(0, 5)) == 0:
                r[j] = None
            elif kind in ("notes", "free") and draw(st.integers(0, 9)) == 0:
                r[j] = draw(st.sampled_from(["\u200b", " ", "\u3000"]))  # looks empty
    for _ in range(draw(st.integers(0, 2))):  # wholly blank rows between the data
        rows.insert(draw(st.integers(0, len(rows))), [None] * len(kinds))
    titles = draw(st.sampled_from([[], ["客户资料表"], ["客户资料表", "制表日期：2026年5月"]]))
    return titles, headers, rows


def _write(path, titles, headers, rows, encoding) -> None:
    if path.suffix == ".xlsx":
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "客户"
        for t in titles:
            ws.append([t])
        ws.append(headers)
        for r in rows:
            ws.append(r)
        wb.save(path)
        return

    def text(v) -> str:
        if v is None:
            return ""
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        v = str(v)
        return f'"{v}"' if any(c in v for c in ',"\n\r') and '"' not in v else v.replace(",", "")

    lines = [t + "," * (len(headers) - 1) for t in titles]
    lines += [",".join(text(v) for v in row) for row in [headers, *rows]]
    text = "\r\n".join(lines)
    if encoding == "gbk":
        # what a Chinese keyboard types; GBK has neither U+00A5 nor U+200B
        text = text.replace("¥", "￥").replace("\u200b", "\u3000")
    path.write_bytes(text.encode(encoding))


@given(sheet=messy_sheets(), form=st.sampled_from(["xlsx", "utf-8-sig", "gbk"]))
def test_inferred_spec_validates_its_own_file(tmp_path, sheet, form):
    titles, headers, rows = sheet
    path = tmp_path / ("客户.xlsx" if form == "xlsx" else "客户.csv")
    _write(path, titles, headers, rows, form)
    spec = infer_spec(path)
    report = validate(path, template=spec)
    errors = [
        (f.rule, f.cell, f.value, f.message_en) for f in report.findings if f.severity == "error"
    ]
    assert errors == [], (headers, [(f.label.zh, f.type) for f in spec.sheets[0].fields])
