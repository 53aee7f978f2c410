"""A feature-rich workbook made with XlsxWriter: a table, a chart, an image, comments,
dropdowns from a defined name, a 2010 (x14) data bar, duplicate highlighting, frozen panes,
a second sheet, a formula with its cached value, and (optionally) a VBA project."""

from __future__ import annotations

import datetime
import io
import struct
import zlib

import xlsxwriter


def make(path, rows=50, vba=False):
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("customers")
    lists = wb.add_worksheet("lists")
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7"})
    money = wb.add_format({"num_format": "¥#,##0.00"})
    datef = wb.add_format({"num_format": "yyyy-mm-dd"})
    cats = ["服装", "数码", "家居"]
    for i, c in enumerate(cats):
        lists.write(i, 0, c)
    wb.define_name("Categories", "=lists!$A$1:$A$3")
    data = []
    for r in range(rows):
        data.append(
            [
                100001 + r,
                f"客户{r}",
                f"1381234{r:04d}",
                datetime.datetime(2025, 1, 1) + datetime.timedelta(days=r),
                cats[r % 3],
                100.5 * r,
            ]
        )
    ws.add_table(
        0,
        0,
        rows,
        5,
        {
            "name": "Customers",
            "data": data,
            "columns": [
                {"header": "客户ID"},
                {"header": "姓名"},
                {"header": "手机号码", "format": wb.add_format({"num_format": "@"})},
                {"header": "最近一次购买日期", "format": datef},
                {"header": "兴趣类别"},
                {"header": "金额", "format": money},
            ],
        },
    )
    ws.freeze_panes(1, 1)
    ws.data_validation(1, 4, rows, 4, {"validate": "list", "source": "=Categories"})
    ws.conditional_format(1, 5, rows, 5, {"type": "data_bar", "data_bar_2010": True})
    ws.conditional_format(1, 0, rows, 0, {"type": "duplicate", "format": bold})
    ws.write_comment(1, 1, "重要客户 note")
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": ["customers", 1, 5, min(rows, 10), 5]})
    ws.insert_chart("H2", chart)

    def png():

        def chunk(t, d):
            return (
                struct.pack(">I", len(d))
                + t
                + d
                + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
            )

        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
            + chunk(b"IEND", b"")
        )

    ws.insert_image("H20", "x.png", {"image_data": io.BytesIO(png())})
    summary = wb.add_worksheet("summary")
    summary.write_formula("A1", f"=SUM(customers!F2:F{rows + 1})", None, 123.0)
    if vba:
        wb.add_vba_project(io.BytesIO(b"\xd0\xcf\x11\xe0" + b"\x00" * 2000), is_stream=True)
    wb.close()
