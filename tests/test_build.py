"""Built workbooks: every feature checked by its real structure, and read by LibreOffice."""

from __future__ import annotations

import itertools
import zipfile
from datetime import datetime

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from tests.conftest import BUILTINS, convert_to_csv
from xl_crm.errors import XlCrmError
from xl_crm.fields.identifiers import resident_id_check_char, uscc_check_char, vin_check_digit
from xl_crm.specs import load_spec
from xl_crm.xlsx.builder import PROP_TEMPLATE, build_workbook
from xl_crm.xlsx.layout import LISTS_SHEET

CASES = [(name, lang) for name in BUILTINS for lang in ("zh", "en")]


@pytest.mark.parametrize(("name", "lang"), CASES)
def test_structure_of_every_builtin(built_books, name, lang):
    spec = load_spec(name)
    wb = openpyxl.load_workbook(built_books[(name, lang)])
    assert wb.sheetnames[: len(spec.sheets)] == [s.label.get(lang) for s in spec.sheets]
    assert wb[LISTS_SHEET].sheet_state == "hidden"
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props[PROP_TEMPLATE] == name
    for sheet in spec.sheets:
        ws = wb[sheet.label.get(lang)]
        header_row = 2 if sheet.has_groups() else 1
        first = header_row + 1
        headers = [c.value for c in ws[header_row]][: len(sheet.fields)]
        assert headers == [f.header(lang) for f in sheet.fields]
        # frozen header and first column
        assert ws.freeze_panes == f"B{first}"
        # one Excel Table over header + data, with filters, columns named as headers
        (table,) = ws.tables.values()
        last_col = openpyxl.utils.get_column_letter(len(sheet.fields))
        rows = 120 if sheet.references else 60  # sheets that refer to another get 2 rows per key
        assert table.ref == f"A{header_row}:{last_col}{header_row + rows}"
        assert table.autoFilter.ref == table.ref
        assert [c.name for c in table.tableColumns] == headers
        validations = {
            str(dv.sqref).split(":")[0][: -len(str(first))]: dv
            for dv in ws.data_validations.dataValidation
        }
        for i, f in enumerate(sheet.fields, start=1):
            letter = openpyxl.utils.get_column_letter(i)
            # number formats: identifiers and text are text ("@"), so leading zeros survive
            assert ws.column_dimensions[letter].number_format == f.ftype.number_format
            if f.ftype.identifier or f.type in ("text", "email"):
                assert f.ftype.number_format == "@"
            # protection: computed columns locked, input columns unlocked
            assert ws.column_dimensions[letter].protection.locked == bool(f.computed)
            dv = validations.get(letter)
            if f.type == "choice":
                assert dv is not None and dv.type == "list"
                ref = dv.formula1
                assert ref.startswith(f"'{LISTS_SHEET}'!")
                cells = wb[LISTS_SHEET][ref.split("!")[1].replace("$", "")]
                assert [c[0].value for c in cells] == f.choice_labels(lang)
            elif f.ftype.fixed_length:
                assert (dv.type, dv.operator, dv.formula1) == ("textLength", "equal", "18")
            elif f.ftype.storage == "text" and f.effective_max_length:
                assert (dv.type, dv.formula1) == ("textLength", str(f.effective_max_length))
            elif f.ftype.storage == "integer":
                assert dv.type == "whole"
            if dv is not None:
                assert dv.showErrorMessage and dv.showInputMessage and dv.prompt
                assert dv.allow_blank == (not f.required)
                assert str(dv.sqref).endswith(str(header_row + 1000))
            # header help in both languages
            assert ws[f"{letter}{header_row}"].comment.text.startswith(
                f"{f.header(lang)} / {f.header('en' if lang == 'zh' else 'zh')}"
            )
        # duplicate keys highlighted; overdue follow-ups highlighted
        rules = {
            (str(cf.sqref).split(":")[0][:1], r.type)
            for cf in ws.conditional_formatting
            for r in cf.rules
        }
        for i, f in enumerate(sheet.fields, start=1):
            letter = openpyxl.utils.get_column_letter(i)
            if f.unique or sheet.key == f.id:
                assert (letter, "duplicateValues") in rules
            if f.highlight_overdue:
                assert (letter, "expression") in rules
        assert ws.protection.sheet == any(f.computed for f in sheet.fields)
        if ws.protection.sheet:
            assert ws.protection.autoFilter is False and ws.protection.sort is False
        if sheet.has_groups():  # the grouped header band
            band = {c.value for c in ws[1] if c.value}
            assert band == {g.label.get(lang) for g in sheet.groups}


@pytest.mark.parametrize("name", BUILTINS)
def test_instructions_sheet_explains_every_field(built_books, name):
    spec = load_spec(name)
    wb = openpyxl.load_workbook(built_books[(name, "zh")])
    ws = wb["填写说明"]
    text = [c for row in ws.iter_rows(values_only=True) for c in row if c]
    for sheet in spec.sheets:
        for f in sheet.fields:
            assert f.label.zh in text and f.label.en in text


def test_sample_values_are_valid_identifiers(built_books):
    wb = CalamineWorkbook.from_path(str(built_books[("car_sales", "zh")]))
    customers = wb.get_sheet_by_name("客户台账").to_python()
    header = customers[1]
    ids = [r[header.index("身份证号")] for r in customers[2:] if r[header.index("身份证号")]]
    usccs = [r[header.index("统一社会信用代码")] for r in customers[2:]]
    assert ids and all(len(x) == 18 and resident_id_check_char(x[:17]) == x[17] for x in ids)
    assert all(uscc_check_char(x[:17]) == x[17] for x in usccs if x)
    numbers = [r[0] for r in customers[2:]]
    assert len(set(numbers)) == len(numbers)
    vehicles = wb.get_sheet_by_name("购车记录").to_python()
    vins = [r[0] for r in vehicles[2:]]
    assert all(len(v) == 17 and vin_check_digit(v) == v[8] for v in vins)
    # every reference points at an existing key
    assert {r[1] for r in vehicles[2:]} <= set(numbers)
    service = wb.get_sheet_by_name("维修保养").to_python()
    assert {r[1] for r in service[2:]} <= set(vins)


@pytest.mark.parametrize("name", BUILTINS)
def test_sample_phones_and_emails_are_valid(built_books, name):
    import phonenumbers
    from email_validator import validate_email

    spec = load_spec(name)
    wb = CalamineWorkbook.from_path(str(built_books[(name, "zh")]))
    checked = 0
    for sheet in spec.sheets:
        rows = wb.get_sheet_by_name(sheet.label.zh).to_python()
        header = rows[1 if sheet.has_groups() else 0]
        data = rows[2 if sheet.has_groups() else 1 :]
        for f in sheet.fields:
            if f.type not in ("phone", "email") or f.computed:
                continue
            values = [r[header.index(f.label.zh)] for r in data]
            values = [v for v in values if v]
            assert values
            for v in values:
                if f.type == "phone":
                    number = phonenumbers.parse(v, "CN")
                    assert phonenumbers.is_valid_number(number), v
                else:
                    validate_email(v, check_deliverability=False)
                checked += 1
    assert checked


def test_hotel_sample_rows_meet_the_row_rules(built_books):
    wb = CalamineWorkbook.from_path(str(built_books[("hotel", "en")]))
    rows = wb.get_sheet_by_name("Stays").to_python()
    header = rows[1]
    booked, check_in, check_out = (
        header.index(h) for h in ("Booking Time", "Check-in Time", "Check-out Time")
    )
    for r in rows[2:]:
        assert isinstance(r[check_in], datetime)
        assert r[booked] <= r[check_in] < r[check_out]


def test_same_seed_same_workbook_values(tmp_path):
    a, b, c = (tmp_path / f"{n}.xlsx" for n in "abc")
    build_workbook("ecommerce", a, sample=300, seed=5)
    build_workbook("ecommerce", b, sample=300, seed=5)
    build_workbook("ecommerce", c, sample=300, seed=6)

    def values(path):
        with zipfile.ZipFile(path) as z:
            return z.read("xl/worksheets/sheet1.xml"), z.read("xl/worksheets/sheet2.xml")

    assert values(a) == values(b)
    assert values(a) != values(c)


def test_identifiers_keep_leading_zeros_and_text(tmp_path):
    path = tmp_path / "ledger.xlsx"
    build_workbook("ledger", path, sample=50, seed=1)
    ws = openpyxl.load_workbook(path)["客户台账"]
    numbers = [ws.cell(row=r, column=1).value for r in range(3, 53)]
    assert all(isinstance(n, str) and n.startswith("CUS0") for n in numbers)
    phones = [ws.cell(row=r, column=6).value for r in range(3, 53)]
    assert all(isinstance(p, str) for p in phones)


@pytest.mark.parametrize(
    ("name", "lang"), [("ecommerce", "zh"), ("hotel", "en"), ("car_sales", "zh")]
)
def test_libreoffice_reads_headers_and_rows(built_books, tmp_path, name, lang):
    spec = load_spec(name)
    rows = convert_to_csv(built_books[(name, lang)], tmp_path, sheet=1)
    first = spec.sheets[0]
    header_index = 1 if first.has_groups() else 0
    assert rows[header_index] == [f.header(lang) for f in first.fields]
    data = [r for r in rows[header_index + 1 :] if any(r)]
    assert len(data) == 60
    key = first.field_ids().index(first.key)
    keys = [r[key] for r in data]
    assert len(set(keys)) == 60 and all(keys)


def test_libreoffice_reads_an_empty_template(tmp_path):
    path = tmp_path / "blank.xlsx"
    build_workbook("ledger", path, lang="en")
    rows = convert_to_csv(path, tmp_path, sheet=1)
    spec = load_spec("ledger")
    assert rows[1] == [f.header("en") for f in spec.sheet("customers").fields]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sample": -1}, "outside 0..1,048,575"),
        ({"sample": 1_048_576}, "outside 0..1,048,575"),
        ({"lang": "fr"}, "unknown language 'fr'"),
    ],
)
def test_bad_build_options_are_refused(tmp_path, kwargs, message):
    with pytest.raises(XlCrmError, match=message):
        build_workbook("hotel", tmp_path / "x.xlsx", **kwargs)
    assert not list(tmp_path.iterdir())


def test_output_must_be_xlsx(tmp_path):
    with pytest.raises(XlCrmError, match=r"must be an \.xlsx file"):
        build_workbook("hotel", tmp_path / "x.csv")


def test_failed_build_leaves_existing_file_untouched(tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"the user's earlier file")

    class Boom(RuntimeError):
        pass

    def progress(label, done, total):
        raise Boom("interrupted")

    with pytest.raises(Boom):
        build_workbook("ecommerce", path, sample=10, progress=progress)
    assert path.read_bytes() == b"the user's earlier file"
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]


@pytest.mark.parametrize("name", BUILTINS)
def test_sample_rows_follow_each_sheets_sort_order(built_books, name):
    spec = load_spec(name)
    wb = CalamineWorkbook.from_path(str(built_books[(name, "en")]))
    checked = 0
    for sheet in spec.sheets:
        if not sheet.sort:
            continue
        key = sheet.sort[0]
        f = sheet.field(key.field)
        if f.computed or f.ftype.storage not in ("date", "datetime"):
            continue
        rows = wb.get_sheet_by_name(sheet.label.en).to_python()
        header_index = 1 if sheet.has_groups() else 0
        col = rows[header_index].index(f.label.en)
        values = [r[col] for r in rows[header_index + 1 :] if r[col] not in ("", None)]
        assert len(values) > 10
        pairs = list(itertools.pairwise(values))
        if key.order == "desc":
            assert all(a >= b for a, b in pairs), f"{sheet.id} not sorted by {f.id} desc"
        else:
            assert all(a <= b for a, b in pairs), f"{sheet.id} not sorted by {f.id} asc"
        # and the table shows the sort on its filter
        table = openpyxl.load_workbook(built_books[(name, "en")])[sheet.label.en].tables
        (t,) = table.values()
        assert t.autoFilter.sortState.sortCondition[0].descending == (key.order == "desc")
        checked += 1
    assert checked or not any(s.sort for s in spec.sheets)


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    from xl_crm.specs import spec_from_data

    spec = spec_from_data(
        {
            "name": "sneaky",
            "title": '=HYPERLINK("http://x","click")',
            "sheets": [
                {
                    "id": "people",
                    "label": "People",
                    "fields": [
                        {"id": "a", "label": "=1+1", "type": "text"},
                        {
                            "id": "b",
                            "label": "@SUM(A1)",
                            "type": "choice",
                            "choices": ["=2+2", "+cmd"],
                        },
                    ],
                }
            ],
        }
    )
    path = tmp_path / "sneaky.xlsx"
    build_workbook(spec, path, lang="en", sample=5)
    wb = openpyxl.load_workbook(path)
    header = wb["People"]["A1"]
    assert header.value == "=1+1" and header.data_type == "s"
    assert [c.value for c in wb[LISTS_SHEET]["A"]][1:] == ["=2+2", "+cmd"]
    assert all(c.data_type == "s" for c in wb[LISTS_SHEET]["A"])
    assert all(c.data_type != "f" for ws in wb for row in ws.iter_rows() for c in row)
