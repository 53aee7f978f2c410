"""Vectorised checks of identifiers and contact details, correct for Chinese data.

Each function takes a pandas Series of text (missing values allowed) and returns a Series
of reasons (``NA`` where the value is fine), so one call covers a million cells.  The
common shapes go through numpy or pandas string operations; only unusual values fall back
to the reference libraries (phonenumbers, email-validator), so the results equal theirs.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pandas as pd

from xl_crm.identifiers import (
    RESIDENT_ID_CHECK,
    RESIDENT_ID_WEIGHTS,
    USCC_CHARSET,
    USCC_WEIGHTS,
)

PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83",
}  # fmt: skip
USCC_AUTHORITIES = set("123456789ABCDEFGNY")

# Shapes email-validator always accepts (RE2-compatible, so pandas runs it in Arrow);
# everything else, and special-use domains, goes to email-validator itself.
_EMAIL_FAST = (
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,64}(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_SPECIAL_DOMAIN = r"\.(?:arpa|invalid|local|localhost|onion|test|internal|home|lan|alt)$"
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*\.[^\s]{2,}$", re.I)
_MOBILE = r"(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}"
_SCI = re.compile(r"^[0-9]\.[0-9]+[eE]\+?[0-9]+$")
_DOT_ZERO = re.compile(r"^[0-9]+\.0+$")


def _text(s: pd.Series) -> pd.Series:
    return s.astype("str").str.strip()


def email_problems(s: pd.Series) -> pd.Series:
    """Why each e-mail is invalid (email-validator's words), NA where it is valid."""
    out = pd.Series(pd.NA, index=s.index, dtype="object")
    present = s.notna()
    text = _text(s[present])
    fast = (
        text.str.match(_EMAIL_FAST).fillna(False)
        & ~text.str.lower().str.contains(_SPECIAL_DOMAIN).fillna(False)
        & (text.str.len() <= 254)
    ).astype(bool)
    slow = text[~fast]
    if len(slow):
        from email_validator import EmailNotValidError, validate_email

        for idx, value in slow.items():
            try:
                validate_email(value, check_deliverability=False)
            except EmailNotValidError as exc:
                out[idx] = str(exc)
    return out


@functools.cache
def _mobile_prefixes(region: str) -> frozenset[str]:
    """3-digit mainland mobile prefixes that phonenumbers accepts for every number."""
    import phonenumbers

    ok = set()
    for p in range(130, 200):
        samples = [f"{p}{s}" for s in ("00000000", "12345678", "55555555", "99999999")]
        if all(phonenumbers.is_valid_number(phonenumbers.parse(n, region)) for n in samples):
            ok.add(str(p))
    return frozenset(ok)


def phone_numbers(s: pd.Series, region: str = "CN") -> tuple[pd.Series, pd.Series]:
    """(E.164 form, invalid mask) of phone numbers; +86, spaces and dashes accepted."""
    e164 = pd.Series(pd.NA, index=s.index, dtype="object")
    invalid = pd.Series(False, index=s.index)
    present = s.notna()
    text = _text(s[present])
    if region == "CN":
        # mainland mobiles in any usual spelling: 13812345678, +86 138 1234 5678, 138-1234-5678
        shaped = text.str.fullmatch(_MOBILE).fillna(False).astype(bool)
        digits = text.str.replace(r"[^0-9]", "", regex=True).str.slice(-11)
        fast = shaped & digits.str.slice(0, 3).isin(_mobile_prefixes(region))
        e164.loc[fast[fast].index] = "+86" + digits[fast]
        rest = text[~fast]
    else:
        rest = text
    if len(rest):
        import phonenumbers

        for idx, value in rest.items():
            try:
                number = phonenumbers.parse(value, region)
            except phonenumbers.NumberParseException:
                invalid[idx] = True
                continue
            if phonenumbers.is_valid_number(number):
                e164[idx] = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            else:
                invalid[idx] = True
    return e164, invalid


def _digits_matrix(text: pd.Series, width: int, alphabet: str) -> tuple[np.ndarray, np.ndarray]:
    """Characters of fixed-width codes as values in ``alphabet`` (rows that fit, mask)."""
    upper = text.str.upper()
    fits = (upper.str.len() == width) & upper.str.fullmatch(f"[{re.escape(alphabet)}]{{{width}}}")
    fits = fits.fillna(False).astype(bool)
    chosen = upper[fits]
    if not len(chosen):
        return np.zeros((0, width), dtype=np.int64), fits.to_numpy()
    raw = np.frombuffer("".join(chosen.tolist()).encode("ascii"), dtype=np.uint8)
    raw = raw.reshape(len(chosen), width)
    table = np.full(256, -1, dtype=np.int64)
    for i, ch in enumerate(alphabet):
        table[ord(ch)] = i
    return table[raw], fits.to_numpy()


def resident_id_problems(s: pd.Series) -> pd.Series:
    """Why each 公民身份号码 is invalid (GB 11643: format, region, birth date, check)."""
    out = pd.Series(pd.NA, index=s.index, dtype="object")
    present = s.notna()
    text = _text(s[present])
    if not len(text):
        return out
    shaped = text.str.upper().str.fullmatch(r"\d{17}[\dX]").fillna(False).astype(bool)
    out.loc[text.index[~shaped.to_numpy()]] = "18 位：17 位数字 + 数字或 X / 17 digits + digit or X"
    good = text[shaped].str.upper()
    if not len(good):
        return out
    values, _ = _digits_matrix(good.str.slice(0, 17), 17, "0123456789")
    total = (values * np.array(RESIDENT_ID_WEIGHTS)).sum(axis=1) % 11
    expected = np.array(list(RESIDENT_ID_CHECK))[total]
    wrong_check = expected != good.str.slice(17, 18).to_numpy()
    births = pd.to_datetime(good.str.slice(6, 14), format="%Y%m%d", errors="coerce")
    bad_birth = (
        births.isna().to_numpy()
        | (births > pd.Timestamp.now()).to_numpy()
        | (births < pd.Timestamp("1880-01-01")).to_numpy()
    )
    bad_region = ~good.str.slice(0, 2).isin(PROVINCES).to_numpy()
    reasons = np.where(
        bad_region,
        "地区码无效 / unknown region code",
        np.where(
            bad_birth,
            "出生日期无效 / impossible birth date",
            np.where(wrong_check, "校验码不符 / wrong check character", ""),
        ),
    )
    flagged = reasons != ""
    out.loc[good.index[flagged]] = reasons[flagged]
    return out


def uscc_problems(s: pd.Series) -> pd.Series:
    """Why each 统一社会信用代码 is invalid (GB 32100: characters, authority, check)."""
    out = pd.Series(pd.NA, index=s.index, dtype="object")
    present = s.notna()
    text = _text(s[present]).str.upper()
    if not len(text):
        return out
    values, fits = _digits_matrix(text, 18, USCC_CHARSET)
    out.loc[text.index[~fits]] = (
        "18 位数字或大写字母（不含 I O Z S V） / 18 digits or capitals (no I, O, Z, S, V)"
    )
    good = text[fits]
    if not len(good):
        return out
    total = (values[:, :17] * np.array(USCC_WEIGHTS)).sum(axis=1) % 31
    expected = (31 - total) % 31
    wrong = expected != values[:, 17]
    bad_authority = ~good.str.slice(0, 1).isin(USCC_AUTHORITIES).to_numpy()
    reasons = np.where(
        bad_authority,
        "登记管理部门代码无效 / unknown registration authority",
        np.where(wrong, "校验码不符 / wrong check character", ""),
    )
    flagged = reasons != ""
    out.loc[good.index[flagged]] = reasons[flagged]
    return out


def url_invalid(s: pd.Series) -> pd.Series:
    present = s.notna()
    bad = pd.Series(False, index=s.index)
    bad[present] = ~_text(s[present]).str.match(_URL).fillna(False).astype(bool)
    return bad


def damaged_identifiers(s: pd.Series, kind: str, region: str = "CN") -> pd.Series:
    """How an identifier was damaged by a spreadsheet (NA where it looks intact).

    Scientific notation (1.38E+10), a float's ".0" (13812345678.0), an 18-digit ID cut to
    15 significant digits (stored as a number), a phone that lost its leading zero.
    """
    out = pd.Series(pd.NA, index=s.index, dtype="object")
    present = s.notna()
    text = _text(s[present])
    if not len(text):
        return out
    sci = text.str.match(_SCI).fillna(False).astype(bool)
    out.loc[text.index[sci.to_numpy()]] = "科学计数法 / shown in scientific notation"
    dot = text.str.match(_DOT_ZERO).fillna(False).astype(bool) & ~sci
    out.loc[text.index[dot.to_numpy()]] = (
        "带“.0”，曾被当作数字 / has '.0': it was stored as a number"
    )
    rest = text[~(sci | dot).to_numpy()]
    if kind == "cn_resident_id":
        digits = rest[rest.str.fullmatch(r"\d{16,18}").fillna(False).astype(bool)]
        if len(digits):
            as_float = digits.astype("float64")
            cut = (as_float == as_float.map(lambda v: float(f"{v:.15g}"))) & (
                resident_id_problems(digits).notna()
            )
            out.loc[cut[cut].index] = (
                "只剩15位有效数字，曾被当作数字 / cut to 15 significant digits: it was stored "
                "as a number"
            )
    elif kind == "phone" and region == "CN":
        # a landline written without its area code's 0 (Excel drops it from numbers)
        candidates = rest[rest.str.fullmatch(r"[2-9]\d{8,10}").fillna(False).astype(bool)]
        if len(candidates):
            _, invalid_with_zero = phone_numbers("0" + candidates, region)
            lost = ~invalid_with_zero
            out.loc[lost[lost].index] = "丢失了开头的 0 / lost its leading zero"
    return out
