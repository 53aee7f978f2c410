"""Sample values of each text kind: names, e-mails, phones, resident IDs, credit codes,
VINs, plates, companies, addresses and notes (:mod:`xl_crm.sample.rows` fills columns with
them).  Values are generated column-wise with numpy; identifiers derived from the row
number stay unique and carry valid check characters."""

from __future__ import annotations

import math
from datetime import date

import numpy as np

from xl_crm.fields.identifiers import (
    VIN_CHARSET,
    org_code_check_char,
    resident_id_check_char,
    uscc_check_char,
    vin_check_digit,
)
from xl_crm.sample import vocab as V
from xl_crm.specs.model import FieldSpec, Lang

__all__ = [
    "affine",
    "guess_kind",
    "sample_emails",
    "sample_phones",
    "sample_resident_ids",
    "sample_texts",
    "sample_usccs",
]


def affine(idx: np.ndarray, modulus: int, salt: int) -> np.ndarray:
    """A bijection of 0..modulus-1 that scatters consecutive rows (unique stays unique):
    ``idx`` (int array) -> int64 array of the same shape, each in ``0 .. modulus - 1``."""
    mult = next(m for m in (73_939_133, 2_654_435_761, 1_000_003) if math.gcd(m, modulus) == 1)
    return (idx.astype(np.int64) * mult + salt) % modulus


def guess_kind(f: FieldSpec) -> str:
    """The kind of sample text for a text field whose template names none, from its id
    (``customer_name`` -> ``person_name``); ``note`` when the id says nothing."""
    fid = f.id
    for word, kind in (
        ("name", "person_name"),
        ("company", "company"),
        ("title", "job_title"),
        ("owner", "owner"),
        ("city", "city"),
        ("address", "address"),
        ("request", "service_request"),
        ("product", "product"),
        ("model", "car_model"),
    ):
        if word in fid:
            return kind
    return "note"


def _pick(rng: np.random.Generator, words: list[str], n: int) -> list[str]:
    return np.array(words, dtype=object)[rng.integers(0, len(words), n)].tolist()


def sample_texts(
    kind: str, idx: np.ndarray, rng: np.random.Generator, lang: Lang, *, unique: bool
) -> list[str]:
    """One text of ``kind`` (``person_name``, ``company``, ``vin``, ``plate``, ``note`` ...;
    :data:`xl_crm.sample.kinds.SAMPLE_KINDS`) per row index in ``idx`` (0-based rows), in
    ``lang``; ``unique`` makes notes distinct.  Deterministic for a given ``rng`` state."""
    n = len(idx)
    zh = lang == "zh"
    if kind == "person_name":
        return _names(rng, n)[0]
    if kind == "company":
        city = _pick(rng, V.CITIES, n)
        word = _pick(rng, V.COMPANY_WORDS, n)
        trade = _pick(rng, V.COMPANY_TRADES, n)
        suffix = _pick(rng, V.COMPANY_SUFFIX, n)
        return [a + b + c + d for a, b, c, d in zip(city, word, trade, suffix, strict=True)]
    if kind == "job_title":
        return _pick(rng, V.JOB_TITLES if zh else V.JOB_TITLES_EN, n)
    if kind == "industry":
        return _pick(rng, V.INDUSTRIES, n)
    if kind == "city":
        return _pick(rng, V.CITIES, n)
    if kind == "address":
        city = _pick(rng, V.CITIES, n)
        street = _pick(rng, V.STREETS, n)
        nums = rng.integers(1, 999, n).tolist()
        return [f"{c}市{s}{k}号" for c, s, k in zip(city, street, nums, strict=True)]
    if kind == "service_request":
        phrases = _pick(rng, V.SERVICE_REQUESTS if zh else V.SERVICE_REQUESTS_EN, n)
        guests = rng.integers(1, 5, n).tolist()
        plain = (rng.random(n) < 0.4).tolist()
        detail = "（{k}位客人）" if zh else " ({k} guests)"
        return [
            p if bare else p + detail.format(k=k)
            for p, k, bare in zip(phrases, guests, plain, strict=True)
        ]
    if kind == "product":
        items = _pick(rng, V.PRODUCTS if zh else V.PRODUCTS_EN, n)
        qty = rng.integers(1, 50, n).tolist()
        return [f"{item} x{q}" for item, q in zip(items, qty, strict=True)]
    if kind == "car_model":
        return _pick(rng, V.CAR_MODELS, n)
    if kind == "owner":
        return _pick(rng, V.OWNERS if zh else V.OWNERS_EN, n)
    if kind == "vin":
        return _vins(idx, rng)
    if kind == "plate":
        return _plates(idx, rng)
    if kind == "mileage":
        return [str(v) for v in rng.integers(500, 150_000, n).tolist()]
    if kind == "code":
        return [f"C{v:07d}" for v in (idx + 1).tolist()]
    if kind == "sequence":
        return [str(v) for v in (idx + 1).tolist()]
    notes = _pick(rng, V.NOTES if zh else V.NOTES_EN, n)
    months, days = rng.integers(1, 13, n).tolist(), rng.integers(1, 29, n).tolist()
    dated = "{m}月{d}日{t}" if zh else "{t} ({m}/{d})"
    notes = [dated.format(m=m, d=d, t=t) for t, m, d in zip(notes, months, days, strict=True)]
    if unique:
        return [f"{t} #{i + 1}" for t, i in zip(notes, idx.tolist(), strict=True)]
    return notes


def _names(rng: np.random.Generator, n: int) -> tuple[list[str], list[str]]:
    """Names, and a Latin spelling of each for e-mail addresses."""
    sur = rng.integers(0, len(V.SURNAMES), n).tolist()
    given = rng.integers(0, len(V.GIVEN), n).tolist()
    first = rng.integers(0, len(V.LATIN_FIRST), n).tolist()
    last = rng.integers(0, len(V.LATIN_LAST), n).tolist()
    latin = (rng.random(n) < 0.3).tolist()
    names, spellings = [], []
    for s, g, fi, la, is_latin in zip(sur, given, first, last, latin, strict=True):
        if is_latin:
            names.append(f"{V.LATIN_FIRST[fi]} {V.LATIN_LAST[la]}")
            spellings.append(f"{V.LATIN_FIRST[fi]}.{V.LATIN_LAST[la]}")
        else:
            names.append(V.SURNAMES[s][0] + V.GIVEN[g][0])
            spellings.append(f"{V.GIVEN[g][1]}.{V.SURNAMES[s][1]}")
    return names, spellings


def sample_emails(idx: np.ndarray, rng: np.random.Generator, salt: int) -> list[str]:
    """One e-mail address per row index in ``idx``, unique (the row number is part of it)."""
    _, spellings = _names(rng, len(idx))
    domains = _pick(rng, V.EMAIL_DOMAINS, len(idx))
    ascii_ = str.maketrans("éèüöøóáúíçãñ'", "eeuooaauicana"[:12] + "_")
    return [
        f"{s.translate(ascii_).lower()}{i}@{d}"
        for s, i, d in zip(spellings, idx.tolist(), domains, strict=True)
    ]


def sample_phones(
    idx: np.ndarray, rng: np.random.Generator, *, unique: bool, salt: int
) -> list[str]:
    """One mainland mobile number per row index in ``idx``, written as people do (plain,
    ``+86 138 1234 5678``, ``138-1234-5678``); ``unique`` derives the digits from the row
    (through :func:`affine` with ``salt``), else some are landlines (``010-12345678``)."""
    n = len(idx)
    prefixes = _pick(rng, V.MOBILE_PREFIXES, n)
    suffixes = (affine(idx, 100_000_000, salt) if unique else rng.integers(0, 10**8, n)).tolist()
    styles = rng.random(n).tolist()
    out = []
    for p, s, style in zip(prefixes, suffixes, styles, strict=True):
        digits = f"{p}{s:08d}"
        if style < 0.85:
            out.append(digits)
        elif style < 0.93:
            out.append(f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}")
        else:
            out.append(f"{digits[:3]}-{digits[3:7]}-{digits[7:]}")
    if not unique:
        areas = _pick(rng, V.AREA_CODES, n)
        landline = (rng.random(n) < 0.1).tolist()
        numbers = rng.integers(20_000_000, 90_000_000, n).tolist()  # 8-digit local numbers
        for i, (is_land, area, num) in enumerate(zip(landline, areas, numbers, strict=True)):
            if is_land:
                out[i] = f"{area}-{num}"
    return out


def sample_resident_ids(idx: np.ndarray, rng: np.random.Generator, salt: int) -> list[str]:
    """One valid, unique 18-character resident ID (GB 11643, check character included) per
    row index in ``idx``; birth dates 1950 to about 2004."""
    days_span = 20_000  # birth dates 1950-01-01 .. about 2004
    code = affine(idx, days_span * 1000, salt)
    birth = (code % days_span).tolist()
    seq = (code // days_span).tolist()
    regions = _pick(rng, V.REGION_CODES, len(idx))
    base = date(1950, 1, 1).toordinal()
    out = []
    for region, b, s in zip(regions, birth, seq, strict=True):
        first17 = f"{region}{date.fromordinal(base + b):%Y%m%d}{s:03d}"
        out.append(first17 + resident_id_check_char(first17))
    return out


def sample_usccs(idx: np.ndarray, rng: np.random.Generator, salt: int) -> list[str]:
    """One valid, unique unified social credit code (GB 32100, check character included)
    per row index in ``idx``."""
    regions = _pick(rng, V.REGION_CODES, len(idx))
    serials = affine(idx, 10**8, salt).tolist()
    out = []
    for region, serial in zip(regions, serials, strict=True):
        org8 = f"{serial:08d}"
        org = org8 + org_code_check_char(org8)
        first17 = f"91{region}{org}"
        out.append(first17 + uscc_check_char(first17))
    return out


def _vins(idx: np.ndarray, rng: np.random.Generator) -> list[str]:
    wmis = ["LSV", "LFV", "LGB", "LHG", "LVS", "LBV", "LRW", "LC0"]
    letters = VIN_CHARSET[10:]
    out = []
    wmi = _pick(rng, wmis, len(idx))
    vds = rng.integers(0, len(VIN_CHARSET), (len(idx), 5)).tolist()
    years = _pick(rng, list("LMNPRST"), len(idx))
    for w, v, y, i in zip(wmi, vds, years, idx.tolist(), strict=True):
        plant = letters[(i // 1_000_000) % len(letters)]
        body = w + "".join(VIN_CHARSET[k] for k in v) + "0" + y + plant + f"{i % 1_000_000:06d}"
        out.append(body[:8] + vin_check_digit(body) + body[9:])
    return out


def _plates(idx: np.ndarray, rng: np.random.Generator) -> list[str]:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    out = []
    for i in idx.tolist():
        province = V.PLATE_PROVINCES[i % len(V.PLATE_PROVINCES)]
        rest = i // len(V.PLATE_PROVINCES)
        out.append(f"{province}{letters[rest % 24]}{(rest // 24) % 100_000:05d}")
    return out
