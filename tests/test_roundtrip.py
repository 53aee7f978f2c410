"""Specs round-trip through YAML (golden files), and build -> infer gives back the spec."""

from __future__ import annotations

import os
import string
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import BUILTINS
from xl_crm.infer import infer_spec
from xl_crm.specs import load_spec, spec_from_data
from xl_crm.specs.dump import dump_spec
from xl_crm.xlsx.builder import build_workbook

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("name", BUILTINS)
def test_golden_yaml(name):
    """The resolved spec dumps to the checked-in YAML, which loads back to the same spec."""
    spec = load_spec(name)
    text = dump_spec(spec)
    golden = GOLDEN / f"{name}.yaml"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
    again = load_spec(golden)
    assert again == spec.model_copy(update={"extends": None})


def signature(spec, lang):
    """What build -> infer must recover: sheets, keys, references, and per field its id,
    labels, type, required, unique, length, choices (in the workbook's language), group."""
    out = []
    for sheet in spec.sheets:
        fields = []
        for f in sheet.fields:
            is_key = sheet.key == f.id
            fields.append(
                (
                    f.id,
                    f.label.zh,
                    f.label.en,
                    f.type,
                    f.required or is_key,
                    f.unique or is_key,
                    None if f.type == "choice" else f.effective_max_length,
                    sorted(f.choice_labels(lang)),
                    f.group,
                    f.highlight_overdue,
                )
            )
        refs = sorted((r.field, r.to) for r in sheet.references)
        out.append((sheet.id, sheet.label.get(lang), sheet.key, refs, fields))
    return out


@pytest.mark.parametrize("rows", [0, 40])
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", BUILTINS)
def test_build_then_infer_recovers_builtin(tmp_path, name, lang, rows):
    path = tmp_path / "book.xlsx"
    build_workbook(name, path, lang=lang, sample=rows, seed=3)
    inferred = infer_spec(path)
    assert signature(inferred, lang) == signature(load_spec(name), lang)


# -- property: random valid specs build, and infer recovers fields and types ----------

WORDS = st.text(alphabet=string.ascii_lowercase, min_size=3, max_size=8)
SIMPLE_TYPES = [
    "text",
    "integer",
    "decimal",
    "money",
    "date",
    "datetime",
    "email",
    "phone",
    "cn_resident_id",
    "uscc",
    "url",
    "choice",
]


@st.composite
def specs(draw):
    n_fields = draw(st.integers(2, 8))
    ids = draw(st.lists(WORDS, min_size=n_fields, max_size=n_fields, unique=True))
    fields = []
    for i, fid in enumerate(ids):
        ftype = draw(st.sampled_from(SIMPLE_TYPES))
        field = {"id": fid, "label": {"zh": f"字段{fid}", "en": fid.title()}, "type": ftype}
        if i == 0:
            field.update(type="text", required=True, unique=True, max_length=20)
        elif ftype == "choice":
            field["choices"] = draw(st.lists(WORDS, min_size=2, max_size=6, unique=True))
        elif ftype == "text":
            field["max_length"] = draw(st.sampled_from([10, 20, 50, 100, 200]))
        if i and draw(st.booleans()):
            field["required"] = True
        fields.append(field)
    return {
        "spec_version": 1,
        "name": "random",
        "title": "Random",
        "sheets": [
            {
                "id": "records",
                "label": {"zh": "记录", "en": "Records"},
                "key": ids[0],
                "fields": fields,
            }
        ],
    }


@given(data=specs(), rows=st.sampled_from([0, 25]), lang=st.sampled_from(["zh", "en"]))
def test_random_specs_build_and_infer_back(tmp_path, data, rows, lang):
    spec = spec_from_data(data)
    path = tmp_path / f"random_{rows}_{lang}.xlsx"
    build_workbook(spec, path, lang=lang, sample=rows, seed=1)
    inferred = infer_spec(path)
    (sheet,) = inferred.sheets
    original = spec.sheets[0]
    headers = [f.header(lang) for f in original.fields]
    assert [f.header(lang) for f in sheet.fields] == headers
    got = [(f.type, f.required or sheet.key == f.id) for f in sheet.fields]
    want = [(f.type, f.required or original.key == f.id) for f in original.fields]
    assert got == want
    assert sheet.key is not None and sheet.fields[0].header(lang) == headers[0]
    for a, b in zip(sheet.fields, original.fields, strict=True):
        if b.type == "choice":
            assert a.choice_labels(lang) == b.choice_labels(lang)
        elif b.ftype.storage == "text" and not b.ftype.fixed_length:
            assert a.effective_max_length == b.effective_max_length


def test_dumped_yaml_is_plain_yaml():
    text = dump_spec(load_spec("hotel"))
    data = yaml.safe_load(text)
    assert (
        data["name"] == "hotel" and data["sheets"][1]["rules"][0]["check"] == "check_out > check_in"
    )


def test_infer_reads_a_libreoffice_ods_of_a_built_workbook(tmp_path):
    """A real spreadsheet application's file: LibreOffice saves our workbook as .ods."""
    from tests.conftest import libreoffice_convert

    book = tmp_path / "hotel.xlsx"
    build_workbook("hotel", book, lang="zh", sample=40, seed=9)
    libreoffice_convert(book, tmp_path, "ods")
    inferred = infer_spec(tmp_path / "hotel.ods", sheets=["客户", "入住记录"])
    original = load_spec("hotel")
    for got, want in zip(inferred.sheets, original.sheets, strict=True):
        assert [f.label.zh for f in got.fields] == [f.label.zh for f in want.fields]
        assert [f.type for f in got.fields] == [f.type for f in want.fields]
    assert inferred.sheet("stays").references[0].to == "guests.customer_id"
