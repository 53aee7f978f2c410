"""Field checks never make findings disappear.

- the reported bug: one 身份证 typed with full-width digits (and a wrong check character)
  among 16 other bad IDs made the check raise and all 17 findings vanished;
- every check (fieldchecks.py and schema.field_checks) fed values it does not expect
  answers one result per value, aligned with its input, with the right findings;
- a check that raises anyway becomes a ``check-failed`` finding (check, column, cause),
  and the other cells of its column keep theirs;
- the e-mail fast path agrees with email-validator (hypothesis);
- landlines that lost the 0 of their area code are damaged identifiers, for every area
  code phonenumbers knows; mobiles are never flagged.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pandera.pandas as pa
import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given
from hypothesis import strategies as st
from pandera.errors import SchemaErrors

from xl_crm import validate
from xl_crm.fields import formats as fc
from xl_crm.fields.identifiers import resident_id_check_char
from xl_crm.fields.types import TYPE_NAMES
from xl_crm.specs import spec_from_data
from xl_crm.table import Table
from xl_crm.validation import cases as failure_cases
from xl_crm.validation import context, findings, schema

FULL = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
GOOD_ID = "11010519491231002X"
GOOD_USCC = "91350100M000100Y43"


def _wrong(code: str, check) -> str:
    right = check(code[:17])
    return code[:17] + next(c for c in "123456789" if c != right)


def _bad_ids(n: int) -> list[str]:
    """``n`` IDs with a valid region and birth date but a wrong check character."""
    return [_wrong(f"3201021985{m:02d}{d:02d}{s:03d}", resident_id_check_char)
            for m, d, s in zip(range(1, n + 1), range(1, n + 1), range(101, 101 + n), strict=True)
            ]  # fmt: skip


def _spec(fields: list[dict], **sheet) -> object:
    return spec_from_data(
        {
            "spec_version": 1,
            "name": "checks",
            "title": {"zh": "检查", "en": "Checks"},
            "sheets": [
                {
                    "id": "people",
                    "label": {"zh": "人员", "en": "People"},
                    "fields": [
                        {"id": "num", "label": {"zh": "编号", "en": "Number"}, "type": "text"},
                        *fields,
                    ],
                    **sheet,
                }
            ],
        }
    )


def _book(path: Path, header: list[str], rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "人员"
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


# -- the reported bug ---------------------------------------------------------------------


def test_full_width_id_with_wrong_check_keeps_every_finding(tmp_path):
    bad = _bad_ids(16)
    full_width_bad = _wrong(GOOD_ID, resident_id_check_char).translate(FULL)
    full_width_good = GOOD_ID.translate(FULL)
    values = [*bad, full_width_bad, full_width_good, GOOD_ID]
    rows = [[f"N{i}", v] for i, v in enumerate(values)]
    book = _book(tmp_path / "ids.xlsx", ["编号", "身份证号"], rows)
    spec = _spec([{"id": "rid", "label": {"zh": "身份证号", "en": "ID"}, "type": "cn_resident_id"}])

    report = validate(book, template=spec)

    found = {(f.cell, f.rule) for f in report.findings}
    assert found == {(f"B{r}", "resident-id") for r in range(2, 19)}
    by_cell = {f.cell: f for f in report.findings}
    assert "wrong check character" in by_cell["B18"].message_en
    assert report.errors == 17


# -- every check, fed values it does not expect ------------------------------------------

ODD = [
    "１３８００１３８０００",  # full-width mobile
    None,
    np.nan,
    3.5,
    13800138000,
    13800138000.0,
    dt.datetime(2026, 5, 1, 9, 30),
    pd.Timestamp("2026-01-01"),
    True,
    "x" * 40_000,
    "😀📞",
    "  ",
    "\u200b",
    pd.NA,
    GOOD_ID.translate(FULL),
    GOOD_USCC.lower(),
    "wang＠qq．com",
    "https://example.com",
]
# an index with gaps and not starting at 0, like Excel rows after blank rows were dropped
INDEX = pd.Index([2, 3, 5, 8, 9, 10, 11, 12, 13, 14, 20, 21, 22, 23, 30, 31, 32, 40])
MISSING = {None, "  ", "\u200b"}  # and NaN, NA: blank after normalising


def _odd() -> pd.Series:
    return pd.Series(ODD, index=INDEX, dtype=object)


def _is_missing(v) -> bool:
    return v is None or (not isinstance(v, str) and pd.isna(v)) or v in MISSING


@pytest.mark.parametrize(
    "check",
    [
        fc.email_problems,
        fc.resident_id_problems,
        fc.uscc_problems,
        fc.url_invalid,
        lambda s: fc.phone_numbers(s)[0],
        lambda s: fc.phone_numbers(s)[1],
        lambda s: fc.damaged_identifiers(s, "phone"),
        lambda s: fc.damaged_identifiers(s, "cn_resident_id"),
        lambda s: fc.damaged_identifiers(s, "uscc"),
        fc.identifier_text,
    ],
    ids=[
        "email",
        "resident-id",
        "uscc",
        "url",
        "e164",
        "phone-invalid",
        "damaged-phone",
        "damaged-id",
        "damaged-uscc",
        "text",
    ],
)
@pytest.mark.parametrize("dtype", [object, "str"])
def test_fieldchecks_answer_every_value_in_place(check, dtype):
    s = _odd() if dtype is object else _odd().astype("str")
    out = check(s)
    assert isinstance(out, pd.Series)
    assert out.index.equals(s.index)
    # missing and blank values are never a finding
    for idx, v in zip(s.index, ODD, strict=True):
        if _is_missing(v) and out.dtype != bool:
            assert pd.isna(out[idx]), (idx, v)
        elif _is_missing(v):
            assert not out[idx], (idx, v)
    # and the empty series works too
    assert len(check(s.iloc[:0])) == 0


def test_fieldchecks_right_answers_for_odd_values():
    s = _odd()
    pos = {i: idx for i, idx in enumerate(INDEX)}
    ids = fc.resident_id_problems(s)
    assert pd.isna(ids[pos[14]])  # full-width valid ID
    assert ids[pos[3]] == fc.RESIDENT_ID_FORMAT  # 3.5
    assert ids[pos[6]] == fc.RESIDENT_ID_FORMAT  # a datetime
    assert ids[pos[10]] == fc.RESIDENT_ID_FORMAT  # emoji
    assert pd.isna(fc.uscc_problems(s)[pos[15]])  # lower-case valid USCC
    e164, invalid = fc.phone_numbers(s)
    assert e164[pos[0]] == "+8613800138000"  # full-width mobile
    assert e164[pos[4]] == "+8613800138000"  # an int read as its digits
    assert invalid[pos[8]] and invalid[pos[9]] and invalid[pos[6]]  # True, long, datetime
    damaged = fc.damaged_identifiers(s, "phone")
    assert "'.0'" in damaged[pos[5]]  # 13800138000.0
    assert pd.isna(damaged[pos[0]]) and pd.isna(damaged[pos[4]])
    emails = fc.email_problems(s)
    assert pd.isna(emails[pos[16]])  # full-width @ and dot read as ASCII
    assert not pd.isna(emails[pos[9]]) and not pd.isna(emails[pos[8]])
    urls = fc.url_invalid(s)
    assert not urls[pos[17]] and urls[pos[9]] and urls[pos[6]]


def _field(ftype: str) -> dict:
    data = {"id": "value", "label": {"zh": "值", "en": "Value"}, "type": ftype}
    if ftype in ("choice", "multi_choice"):
        data["choices"] = ["是", "否", "138"]
    if ftype in ("integer", "decimal", "money"):
        data.update(min_value=0, max_value=100)
    if ftype == "text":
        data["max_length"] = 20
    return data


@pytest.mark.parametrize("ftype", TYPE_NAMES)
def test_every_field_check_answers_aligned_for_any_values(ftype):
    spec = _spec([_field(ftype)], unique_together=[["num", "value"]], key="num")
    sheet = spec.sheets[0]
    frame = pd.DataFrame({"num": [f"N{i}" for i in range(len(ODD))], "value": ODD}, index=INDEX)
    derived = schema.Derived(frame, "CN")
    checks = schema.field_checks(sheet.field("value"), "CN", derived)
    for check in checks:
        for data in (frame["value"], frame["value"].iloc[::-1], frame["value"].iloc[3:4]):
            out = check._check_fn(data)
            assert isinstance(out, pd.Series) and out.dtype == bool
            assert out.index.equals(data.index), check.name
    assert derived.failures.items == []  # no check had to give up on a value


def test_field_checks_find_the_right_cells_among_odd_values():
    spec = _spec([_field("cn_resident_id")])
    frame = pd.DataFrame({"value": ODD}, index=INDEX)
    derived = schema.Derived(frame, "CN")
    checks = {c.name: c for c in schema.field_checks(spec.sheets[0].field("value"), "CN", derived)}
    ok = checks["resident-id"]._check_fn(frame["value"])
    missing = [idx for idx, v in zip(INDEX, ODD, strict=True) if _is_missing(v)]
    assert ok[missing].all()
    assert ok[INDEX[14]]  # the full-width valid ID
    assert not ok[INDEX[3]] and not ok[INDEX[6]] and not ok[INDEX[10]]
    # a number that was an ID shows as damaged, not as a wrong ID
    number = pd.DataFrame({"value": [1.10105194912310e17, GOOD_ID]}, index=[7, 8])
    derived = schema.Derived(number, "CN")
    checks = {c.name: c for c in schema.field_checks(spec.sheets[0].field("value"), "CN", derived)}
    assert checks["damaged-id"]._check_fn(number["value"]).tolist() == [False, True]
    assert checks["resident-id"]._check_fn(number["value"]).tolist() == [True, True]


def test_numeric_checks_leave_text_to_the_type_check():
    spec = _spec([_field("integer")])
    frame = pd.DataFrame({"value": [1.0, 2.5, "abc", True, 500, None]}, index=range(2, 8))
    derived = schema.Derived(frame, "CN")
    checks = {c.name: c for c in schema.field_checks(spec.sheets[0].field("value"), "CN", derived)}
    assert checks["not-integer"]._check_fn(frame["value"]).tolist() == [
        True, False, True, True, True, True,
    ]  # fmt: skip
    assert checks["out-of-range"]._check_fn(frame["value"]).tolist() == [
        True, True, True, True, False, True,
    ]  # fmt: skip


# -- a check that raises: a visible finding, the others kept ---------------------------------


def test_a_check_that_raises_on_one_value_keeps_the_other_findings():
    failures = context.CheckFailures()

    def fragile(s: pd.Series) -> pd.Series:
        if any(v == "boom" for v in s):
            raise ValueError("operands could not be broadcast together")
        return s.str.len() <= 3

    guarded = schema.guarded(fragile, "too-long", "name", failures)
    s = pd.Series(["ok", "toolong", "boom", "abc", "longer"], index=[4, 5, 6, 9, 12])
    out = guarded(s)
    assert out.tolist() == [True, False, True, True, False]
    assert [(f.check, f.column, f.row) for f in failures.items] == [("too-long", "name", 6)]
    assert "ValueError" in failures.items[0].cause


def test_a_column_wide_check_that_raises_is_reported_once():
    failures = context.CheckFailures()

    def broken(s):
        raise TypeError("unhashable")

    out = schema.guarded(broken, "duplicate", "num", failures, local=False)(
        pd.Series(["a", "b"], index=[2, 3])
    )
    assert out.all()
    assert [(f.check, f.column, f.row) for f in failures.items] == [("duplicate", "num", None)]


def _table(tmp_path) -> tuple[Table, context.SheetContext]:
    spec = _spec([{"id": "rid", "label": {"zh": "身份证号", "en": "ID"}, "type": "cn_resident_id"}])
    frame = pd.DataFrame(
        {"num": ["N1", "N2", "N3"], "rid": [GOOD_ID, _bad_ids(1)[0], "boom"]}, index=[2, 3, 4]
    )
    table = Table(
        path=tmp_path / "people.xlsx",
        sheet="人员",
        spec=spec.sheets[0],
        header_row=1,
        frame=frame,
        letters={"num": "A", "rid": "B"},
        headers={"num": "编号", "rid": "身份证号"},
    )
    return table, context.SheetContext(spec=spec, tables={"people": table})


def test_pandera_failures_without_a_row_become_findings(tmp_path):
    """A raw pandera check that raises (arrays of different lengths) and a frame-level
    failure give failure cases with index NaN: each is a check-failed finding naming the
    check, the column and the cause, and the row findings of the column stay."""
    table, ctx = _table(tmp_path)

    def raises(s):
        return np.ones(len(s) - 1, dtype=bool) & np.ones(len(s), dtype=bool)

    schema = pa.DataFrameSchema(
        {
            "rid": pa.Column(
                checks=[
                    pa.Check(raises, name="resident-id"),
                    pa.Check(lambda s: s != _bad_ids(1)[0], name="uscc"),
                ]
            )
        },
        checks=[pa.Check(lambda d: False, name="row-rule:dates")],
    )
    with pytest.raises(SchemaErrors) as info:
        schema.validate(table.frame, lazy=True)
    cases = info.value.failure_cases
    assert cases["index"].isna().sum() >= 2  # the failures pandera could not place

    found = failure_cases.findings_from_cases(cases, table, table.frame, ctx)

    failed = [f for f in found if f.rule == "check-failed"]
    assert {(f.cell, f.field) for f in failed} == {("B1", "rid"), ("A1", None)}
    rid = next(f for f in failed if f.field == "rid")
    assert rid.severity == "error"
    assert "resident-id" in rid.message_en and "身份证号" in rid.message_en
    assert "could not" in rid.message_en and "broadcast" in rid.message_en  # the cause
    assert [(f.cell, f.rule) for f in found if f.rule != "check-failed"] == [("B3", "uscc")]


def test_check_failed_cause_is_masked_with_mask(tmp_path):
    table, ctx = _table(tmp_path)
    ctx.mask = True
    item = context.CheckFailure("resident-id", "rid", 4, "ValueError: bad value '110105194'")
    finding = findings.failure_finding(table, ctx, table.frame, item)
    assert finding.cell == "B4" and finding.rule == "check-failed"
    assert "110105194" not in finding.message_en and "ValueError" in finding.message_en


# -- e-mail: the fast path agrees with email-validator -----------------------------------


def _ev_ok(address: str) -> bool:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


@pytest.mark.parametrize(
    "address",
    ["wang@xn--zz.com", "wang@ab--cd.com", "a@b.local", "a@mail.test", "a@b.com.",
     "a..b@c.com", "a@" + "b" * 64 + ".com", "a@" + ("b" * 60 + ".") * 5 + "com"],
)  # fmt: skip
def test_email_fast_path_rejects_what_email_validator_rejects(address):
    assert not _ev_ok(address)
    assert not fc.email_problems(pd.Series([address])).isna()[0]


def test_email_fast_path_keeps_real_punycode():
    assert fc.email_problems(pd.Series(["li@xn--fiqs8s.com", "wang@qq.com"])).isna().all()


_LOCAL = st.text(alphabet="abcXYZ019.!#$%&'*+/=?^_`{|}~-\"@ (ëÀØÖöÿ×÷ª", min_size=0, max_size=12)
_LABEL = st.one_of(
    st.text(alphabet="abxnXN019-", min_size=0, max_size=10),
    st.sampled_from(["xn--zz", "xn--fiqs8s", "ab--cd", "test", "local", "localhost", "arpa",
                     "onion", "invalid", "com", "cn", "c0m", "a" * 63, "a" * 64, "x"]),
)  # fmt: skip
_DOMAIN = st.lists(_LABEL, min_size=1, max_size=5).map(".".join)


@given(local=_LOCAL, domain=_DOMAIN)
def test_email_fast_path_agrees_with_email_validator(local, domain):
    address = f"{local}@{domain}"
    text = fc.identifier_text(pd.Series([address]))
    if fc.email_fast_path(text)[0]:
        assert _ev_ok(text[0]), address
    assert fc.email_problems(pd.Series([address])).isna()[0] == _ev_ok(text[0]), address


def test_email_fast_path_covers_ordinary_addresses():
    addresses = pd.Series([f"user.{i}+tag@mail{i}.example.com.cn" for i in range(50)])
    addresses = pd.concat([addresses, pd.Series(["zoë.lindqvist24@gmail.com", "ÀØ.öÿ@qq.com"])])
    assert fc.email_fast_path(fc.identifier_text(addresses)).all()


@pytest.mark.parametrize(
    "address",
    ["zoë.@gmail.com", ".zoë@gmail.com", "zo×ë@gmail.com", "zoë@gmail", "ë" * 130 + "@q.com"],
)
def test_email_fast_path_leaves_the_doubtful_latin_addresses_to_email_validator(address):
    text = fc.identifier_text(pd.Series([address]))
    assert not fc.email_fast_path(text)[0]
    assert fc.email_problems(pd.Series([address])).isna()[0] == _ev_ok(text[0])


# -- landlines that lost the 0 of their area code ----------------------------------------


def _area_codes() -> list[tuple[str, str]]:
    """(area code without 0, subscriber number) for every CN area code phonenumbers
    accepts a landline for: 10, 2x, and 3xx-9xx, with 7- and 8-digit subscribers."""
    import phonenumbers
    from phonenumbers import PhoneNumberType

    out = []
    for code in ["10", *(f"2{d}" for d in range(10)), *(str(n) for n in range(300, 1000))]:
        for subscriber in ("66665555", "6665555", "86125432"):
            number = phonenumbers.parse("0" + code + subscriber, "CN")
            if phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in (
                PhoneNumberType.FIXED_LINE,
                PhoneNumberType.FIXED_LINE_OR_MOBILE,
            ):
                out.append((code, subscriber))
                break
    return out


def test_landline_without_its_zero_is_damaged_for_every_area_code():
    pairs = _area_codes()
    codes = {c for c, _ in pairs}
    assert "10" in codes and "21" in codes and "755" in codes and len(codes) > 200
    damaged = fc.damaged_identifiers(pd.Series([c + s for c, s in pairs]), "phone")
    missed = [c + s for (c, s), d in zip(pairs, damaged, strict=True) if d != fc.LOST_ZERO]
    assert missed == []
    written_right = pd.Series(["0" + c + "-" + s for c, s in pairs])
    assert fc.damaged_identifiers(written_right, "phone").isna().all()
    assert not fc.phone_numbers(written_right)[1].any()


def test_mobiles_and_service_numbers_are_never_lost_zero():
    import phonenumbers
    from phonenumbers import PhoneNumberType

    mobiles = []
    for prefix in range(130, 200):
        for rest in ("00000000", "12345678", "55556666", "98765432"):
            number = phonenumbers.parse(f"{prefix}{rest}", "CN")
            if phonenumbers.number_type(number) == PhoneNumberType.MOBILE:
                mobiles.append(f"{prefix}{rest}")
    assert len(mobiles) > 150
    values = pd.Series([*mobiles, "4008108888", "8008208820", "1381234567", "66665555"])
    assert fc.damaged_identifiers(values, "phone").isna().all()


def test_lost_zero_is_a_damaged_id_not_an_invalid_phone(tmp_path):
    rows = [
        ["N1", "1066665555"],  # 010-6666 5555 (Beijing)
        ["N2", 1066665555],  # the same, stored as a number
        ["N3", "2166665555"],  # 021 (Shanghai)
        ["N4", "75586125432"],  # 0755 (Shenzhen)
        ["N5", "13812345678"],  # a mobile
        ["N6", "010-66665555"],  # written right
        ["N7", "1381234567"],  # a mobile missing a digit: invalid, not lost zero
        ["N8", "１０６６６６５５５５"],  # full-width digits
    ]
    book = _book(tmp_path / "phones.xlsx", ["编号", "电话"], rows)
    spec = _spec([{"id": "tel", "label": {"zh": "电话", "en": "Phone"}, "type": "phone"}])
    report = validate(book, template=spec)
    found = {(f.cell, f.rule) for f in report.findings}
    assert found == {
        ("B2", "damaged-id"),
        ("B3", "damaged-id"),
        ("B4", "damaged-id"),
        ("B5", "damaged-id"),
        ("B8", "phone"),
        ("B9", "damaged-id"),
    }
    lost = [f for f in report.findings if f.rule == "damaged-id"]
    assert all("lost its leading zero" in f.message_en for f in lost)


@pytest.mark.parametrize(
    ("written", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+86 139-1234-0001", "139****0001"),  # the country code is not the number
        ("0086 13912340001", "139****0001"),  # 00: China's international prefix
        ("+852 6123 4567", "612****4567"),
        ("not a phone", "***********"),
    ],
)
def test_a_phone_is_masked_on_its_national_number(written, masked):
    from xl_crm.privacy import mask

    assert mask(written, "phone") == masked
