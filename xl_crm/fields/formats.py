"""Vectorised checks of identifiers and contact details, correct for Chinese data.

Each function takes a pandas Series of any values (text, numbers, dates, ``None`` ...)
and returns a Series aligned with it, position by position, with the same index: a
reason (``NA`` where the value is fine or missing) or a flag.  Values are first made
comparable text by :func:`identifier_text` (NFKC, so full-width ``１３８…`` and ``Ｘ`` are
read as ASCII; invisible characters dropped; trimmed); a value that is blank after that
is missing, not invalid.  The common shapes go through numpy or pandas string operations;
only unusual values fall back to the reference libraries (phonenumbers, email-validator),
so the results equal theirs.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pandas as pd

from xl_crm.fields.identifiers import (
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

# ASCII addresses email-validator always accepts (RE2-compatible, so pandas runs it in
# Arrow): a dot-atom local part, a domain of letter-digit-hyphen labels and an all-letter
# top-level label.  Everything else goes to email-validator itself: labels with "--"
# (Punycode "xn--" must decode, other "ab--" labels are refused), special-use domains,
# over-long parts.  tests/test_fieldchecks.py compares the two by hypothesis.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_EMAIL_FAST = (
    rf"^{_ATEXT}+(?:\.{_ATEXT}+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
# the same with Latin-1 letters in the local part (zoë.li@...): email-validator accepts
# them as an internationalised local part (RFC 6531: letters pass its unsafe-character
# check, and precomposed they are already NFC); at most 127 characters, so the address
# stays within 254 bytes of UTF-8 (its length limit)
_EMAIL_FAST_LATIN = _EMAIL_FAST.replace(_ATEXT, _ATEXT[:-2] + "À-ÖØ-öø-ÿ-]", 2)
_URL = r"^https?://[^\s/$.?#][^\s]*\.[^\s]{2,}$"
_MOBILE = r"(?:\+?86[ -]?)?1[3-9][0-9][ -]?[0-9]{4}[ -]?[0-9]{4}"
_SCI = r"^[0-9]\.[0-9]+[eE]\+?[0-9]+$"
_DOT_ZERO = r"^[0-9]+\.0+$"
#: zero-width and formatting characters people paste in with copied text (a regex class;
#: identifier checks remove them)
ZERO_WIDTH = "[\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e]"

RESIDENT_ID_FORMAT = "18 位：17 位数字 + 数字或 X / 17 digits + digit or X"
USCC_FORMAT = "18 位数字或大写字母（不含 I O Z S V） / 18 digits or capitals (no I, O, Z, S, V)"
LOST_ZERO = "丢失了开头的 0 / lost its leading zero"


def identifier_text(s: pd.Series) -> pd.Series:
    """Each value of ``s`` as the text identifier checks read, aligned with ``s``.

    Any value becomes its ``str`` (a float keeps its ``.0``, which the damage check
    reports); then NFKC (full-width digits, letters, ``＠`` and U+3000 become ASCII),
    zero-width characters removed, whitespace trimmed.  Missing or blank values are NA.
    Returns a pandas ``str`` Series with the index of ``s``.
    """
    import pyarrow as pa_arrow
    import pyarrow.compute as pc

    if not len(s):
        return pd.Series([], index=s.index, dtype="str")
    arr = arrow_text(s.astype("str"))
    # ASCII is already NFKC, and visible: fold only the other values
    arr = on_non_ascii(
        arr, lambda a: pc.replace_substring_regex(pc.utf8_normalize(a, "NFKC"), ZERO_WIDTH, "")
    )
    arr = pc.utf8_trim_whitespace(arr)
    empty = pc.equal(pc.binary_length(arr), 0)
    if pc.any(empty).as_py():
        arr = pc.if_else(empty, None, arr)
    out = pd.Series(pd.arrays.ArrowStringArray(pa_arrow.chunked_array([arr])), dtype="str")
    out.index = s.index
    return out


def arrow_text(s: pd.Series):
    """``s`` (text, NA where missing) as one Arrow ``large_string`` array (chunks of a
    pandas Arrow column combined), for the Arrow string kernels."""
    import pyarrow as pa_arrow

    arr = pa_arrow.array(s, type=pa_arrow.large_string(), from_pandas=True)
    return arr.combine_chunks() if isinstance(arr, pa_arrow.ChunkedArray) else arr


def on_non_ascii(arr, fn):
    """``arr`` (an Arrow string array) with ``fn`` applied to its non-ASCII values only.

    ``fn`` takes and returns an Arrow string array of the same length (NFKC folding,
    removing zero-width characters: no-ops on ASCII).  Most identifiers are ASCII, so this
    spares a pass over the whole column; the result equals ``fn(arr)`` for any ``fn``
    that leaves ASCII text unchanged."""
    import pyarrow.compute as pc

    wide = pc.invert(pc.fill_null(pc.string_is_ascii(arr), True))
    count = pc.sum(wide).as_py() or 0
    if not count:
        return arr
    if count * 2 > len(arr):  # mostly wide (Chinese text): one pass
        return fn(arr)
    return pc.replace_with_mask(arr, wide, fn(pc.filter(arr, wide)))


def _flag(text: pd.Series, pattern: str) -> np.ndarray:
    """Positions where ``text`` matches ``pattern`` (False where missing)."""
    return text.str.match(pattern).fillna(False).to_numpy(dtype=bool)


def _full(text: pd.Series, pattern: str) -> np.ndarray:
    return text.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)


def _reasons(s: pd.Series, reasons: np.ndarray) -> pd.Series:
    """An object array of reasons (None where fine) as a Series aligned with ``s``."""
    out = pd.Series(reasons, index=s.index, dtype="object")
    return out.where(out.notna(), pd.NA)


def email_problems(s: pd.Series) -> pd.Series:
    """Why each e-mail is invalid (email-validator's words, deliverability not checked),
    NA where it is valid or missing.  Full-width characters are read as ASCII first."""
    text = identifier_text(s)
    reasons = np.full(len(s), None, dtype=object)
    present = text.notna().to_numpy()
    fast = email_fast_path(text)
    slow = np.flatnonzero(present & ~fast)
    if len(slow):
        from email_validator import EmailNotValidError, validate_email

        values = text.to_numpy(dtype=object)
        for pos in slow:
            try:
                validate_email(values[pos], check_deliverability=False)
            except EmailNotValidError as exc:
                reasons[pos] = str(exc)
    return _reasons(s, reasons)


def email_fast_path(text: pd.Series) -> np.ndarray:
    """Positions of ``text`` (already :func:`identifier_text`) that are plain ASCII
    addresses email-validator accepts; the rest must be asked of email-validator."""
    length = text.str.len().fillna(0).to_numpy()
    ascii_form = _flag(text, _EMAIL_FAST) & (length <= 254)
    latin = ~ascii_form & (length <= 127)
    if latin.any():
        latin[latin] = _flag(text[latin], _EMAIL_FAST_LATIN)
    fast = ascii_form | latin
    # the slow-domain pattern only on values that might match it: "--", a long domain, or
    # a last label ending as a special-use name does (cheap literal tests first)
    import pyarrow as pa_arrow
    import pyarrow.compute as pc

    arr = arrow_text(text)
    tails = pa_arrow.array(sorted({d[-4:] for d in _special_use_domains()}))
    maybe = pc.or_(
        pc.or_(
            pc.is_in(pc.utf8_slice_codeunits(arr, -4), value_set=tails),
            pc.match_substring(arr, "--"),
        ),
        pc.greater(pc.utf8_length(arr), 253),
    )
    where = np.flatnonzero(fast & pc.fill_null(maybe, False).to_numpy(zero_copy_only=False))
    if len(where):
        fast[where] &= ~_flag(text.iloc[where], _email_slow_domain())
    return fast


@functools.cache
def _special_use_domains() -> tuple[str, ...]:
    """The special-use domain names email-validator refuses (RFC 6761)."""
    from email_validator import SPECIAL_USE_DOMAIN_NAMES

    return tuple(SPECIAL_USE_DOMAIN_NAMES)


@functools.cache
def _email_slow_domain() -> str:
    """Domains the fast path leaves to email-validator: "--" in a label (Punycode must
    decode; other "ab--" labels are refused), special-use names, over 253 characters."""
    special = "|".join(re.escape(d) for d in _special_use_domains())
    return rf"^[^@]*@(?:[^@]*--|(?:[^@]*\.)?(?:{special})$|[^@]{{254}})"


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


def _sure_mobiles(text: pd.Series, region: str) -> tuple[np.ndarray, pd.Series | None]:
    """Positions holding a mainland mobile in a usual spelling, and the E.164 form of
    those (NA elsewhere); nothing for a region other than CN."""
    import pyarrow as pa_arrow
    import pyarrow.compute as pc

    if region != "CN":
        return np.zeros(len(text), dtype=bool), None
    arr = arrow_text(text)
    plain = _full(text, r"1[3-9][0-9]{9}")  # 13812345678: how most are typed
    shaped = plain.copy()
    other = np.flatnonzero(text.notna().to_numpy() & ~plain)
    if len(other):  # +86 138-1234-5678 and other spellings: their last 11 digits
        some = text.iloc[other]
        hit = _full(some, _MOBILE)
        shaped[other[hit]] = True
        digits = some[hit].str.replace(r"[^0-9]", "", regex=True).str.slice(-11)
        mask = np.zeros(len(text), dtype=bool)
        mask[other[hit]] = True
        if mask.any():
            arr = pc.replace_with_mask(
                arr, pa_arrow.array(mask), pa_arrow.array(digits, type=pa_arrow.large_string())
            )
    prefixes = pa_arrow.array(sorted(_mobile_prefixes(region)))
    prefix = pc.is_in(pc.utf8_slice_codeunits(arr, 0, 3), value_set=prefixes)
    sure = shaped & pc.fill_null(prefix, False).to_numpy(zero_copy_only=False)
    e164 = pc.if_else(
        pa_arrow.array(sure),
        pc.binary_join_element_wise(
            pa_arrow.scalar("+86", pa_arrow.large_string()),
            arr,
            pa_arrow.scalar("", pa_arrow.large_string()),
        ),
        None,
    )
    out = pd.Series(pd.arrays.ArrowStringArray(pa_arrow.chunked_array([e164])), dtype="str")
    out.index = text.index
    return sure, out


def phone_numbers(s: pd.Series, region: str = "CN") -> tuple[pd.Series, pd.Series]:
    """(E.164 form, invalid mask) of phone numbers, aligned with ``s``; +86, spaces and
    dashes accepted, full-width digits read as ASCII.  Missing values are NA and valid.
    The E.164 form is a pandas ``str`` Series (ITU-T E.164, through ``phonenumbers``
    except for mainland mobiles in a usual spelling, read directly)."""
    text = identifier_text(s)
    invalid = np.zeros(len(s), dtype=bool)
    fast, e164 = _sure_mobiles(text, region)
    if e164 is None:
        e164 = pd.Series(pd.NA, index=s.index, dtype="str")
    rest = np.flatnonzero(text.notna().to_numpy() & ~fast)
    if len(rest):
        import phonenumbers

        values = text.iloc[rest].to_numpy(dtype=object)
        found: list[str | None] = []
        for value in values:
            try:
                number = phonenumbers.parse(value, region)
            except phonenumbers.NumberParseException:
                number = None
            if number is not None and phonenumbers.is_valid_number(number):
                found.append(
                    phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                )
            else:
                found.append(None)
        bad = np.array([f is None for f in found], dtype=bool)
        invalid[rest[bad]] = True
        good = rest[~bad]
        if len(good):
            e164.iloc[good] = [f for f in found if f is not None]
    e164.index = s.index
    return e164, pd.Series(invalid, index=s.index)


def _digits_matrix(codes: np.ndarray, width: int, alphabet: str) -> np.ndarray:
    """Values in ``alphabet`` of fixed-width ASCII codes (each already of that alphabet)."""
    if not len(codes):
        return np.zeros((0, width), dtype=np.int64)
    raw = np.frombuffer("".join(codes.tolist()).encode("ascii"), dtype=np.uint8)
    table = np.full(256, -1, dtype=np.int64)
    for i, ch in enumerate(alphabet):
        table[ord(ch)] = i
    return table[raw.reshape(len(codes), width)]


def resident_id_problems(s: pd.Series) -> pd.Series:
    """Why each 公民身份号码 is invalid (GB 11643-1999: format, region, birth date, check
    character by ISO 7064 MOD 11-2), NA where valid or missing; aligned with ``s``."""
    text = identifier_text(s).str.upper()
    reasons = np.full(len(s), None, dtype=object)
    present = text.notna().to_numpy()
    shaped = _full(text, r"[0-9]{17}[0-9X]")
    reasons[present & ~shaped] = RESIDENT_ID_FORMAT
    where = np.flatnonzero(shaped)
    if not len(where):
        return _reasons(s, reasons)
    good = text[shaped]
    values = _digits_matrix(good.to_numpy(dtype=str), 18, "0123456789X")
    total = (values[:, :17] * np.array(RESIDENT_ID_WEIGHTS)).sum(axis=1) % 11
    wrong_check = np.array(list(RESIDENT_ID_CHECK))[total] != good.str.slice(17).to_numpy(str)
    births = pd.to_datetime(good.str.slice(6, 14), format="%Y%m%d", errors="coerce")
    bad_birth = (
        births.isna().to_numpy()
        | (births > pd.Timestamp.now()).to_numpy()
        | (births < pd.Timestamp("1880-01-01")).to_numpy()
    )
    bad_region = ~good.str.slice(0, 2).isin(PROVINCES).to_numpy(dtype=bool)
    reasons[where] = np.where(
        bad_region,
        "地区码无效 / unknown region code",
        np.where(
            bad_birth,
            "出生日期无效 / impossible birth date",
            np.where(wrong_check, "校验码不符 / wrong check character", None),
        ),
    )
    return _reasons(s, reasons)


def uscc_problems(s: pd.Series) -> pd.Series:
    """Why each 统一社会信用代码 is invalid (GB 32100-2015: characters, registration
    authority, MOD 31 check character), NA where valid or missing; aligned with ``s``."""
    text = identifier_text(s).str.upper()
    reasons = np.full(len(s), None, dtype=object)
    present = text.notna().to_numpy()
    fits = _full(text, f"[{USCC_CHARSET}]{{18}}")
    reasons[present & ~fits] = USCC_FORMAT
    where = np.flatnonzero(fits)
    if not len(where):
        return _reasons(s, reasons)
    good = text[fits]
    values = _digits_matrix(good.to_numpy(dtype=str), 18, USCC_CHARSET)
    total = (values[:, :17] * np.array(USCC_WEIGHTS)).sum(axis=1) % 31
    wrong = (31 - total) % 31 != values[:, 17]
    bad_authority = ~good.str.slice(0, 1).isin(USCC_AUTHORITIES).to_numpy(dtype=bool)
    reasons[where] = np.where(
        bad_authority,
        "登记管理部门代码无效 / unknown registration authority",
        np.where(wrong, "校验码不符 / wrong check character", None),
    )
    return _reasons(s, reasons)


def url_invalid(s: pd.Series) -> pd.Series:
    """True where a present value is not an http(s) address; aligned with ``s``."""
    text = identifier_text(s)
    bad = text.notna().to_numpy() & ~_flag(text, _URL)
    return pd.Series(bad, index=s.index)


def damaged_identifiers(s: pd.Series, kind: str, region: str = "CN") -> pd.Series:
    """How an identifier was damaged by a spreadsheet (NA where it looks intact), aligned
    with ``s``.

    Scientific notation (1.38E+10), a float's ".0" (13812345678.0), an 18-digit ID cut to
    15 significant digits (stored as a number), a landline that lost the 0 of its area code
    (``1066665555`` for 010-6666 5555, ``75512345678`` for 0755-1234 5678: digits only,
    no leading 0 or +86, and a fixed line by phonenumbers' CN metadata; mobiles and
    400/800 numbers are never flagged).
    """
    text = identifier_text(s)
    reasons = np.full(len(s), None, dtype=object)
    n = len(s)
    sci, dot = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    dotted = np.flatnonzero(text.str.contains(".", regex=False).fillna(False).to_numpy(bool))
    if len(dotted):  # both forms have a "."
        some = text.iloc[dotted]
        sci[dotted] = _flag(some, _SCI)
        dot[dotted] = _flag(some, _DOT_ZERO) & ~sci[dotted]
    reasons[sci] = "科学计数法 / shown in scientific notation"
    reasons[dot] = "带“.0”，曾被当作数字 / has '.0': it was stored as a number"
    rest = text.notna().to_numpy() & ~(sci | dot)
    if kind == "cn_resident_id":
        where = np.flatnonzero(rest & _full(text, r"[0-9]{16,18}"))
        if len(where):
            digits = pd.Series(text.iloc[where].to_numpy(dtype=object), dtype="str")
            where = where[resident_id_problems(digits).notna().to_numpy()]
        values = text.iloc[where].to_numpy(dtype=object)
        cut = [pos for pos, value in zip(where, values, strict=True) if _cut_to_15_digits(value)]
        reasons[cut] = (
            "只剩15位有效数字，曾被当作数字 / cut to 15 significant digits: it was stored "
            "as a number"
        )
    elif kind == "phone" and region == "CN":
        # CN area codes without their 0 are 10 or 2-9xx (phonenumbers decides which): the
        # text starts with 2-9, or with 1 and then 0 (maybe after a space or a dash)
        where = np.flatnonzero(rest & _flag(text, r"(?:[2-9]|1[0 -])"))
        some = text.iloc[where]
        shaped = _full(some.str.replace(r"[ -]", "", regex=True), r"10[0-9]{8}|[2-9][0-9]{8,10}")
        keep = shaped & _full(some, r"[0-9][0-9 -]*")
        values = some.to_numpy(dtype=object)[keep]
        lost = [
            pos for pos, value in zip(where[keep], values, strict=True) if _lost_leading_zero(value)
        ]
        reasons[lost] = LOST_ZERO
    return _reasons(s, reasons)


def _cut_to_15_digits(digits: str) -> bool:
    """True when ``digits`` (16-18 of them) is what Excel leaves of a longer number:
    shown with zeros after the 15th digit, or a double's exact integer that equals its
    own 15-significant-digit rounding (an ID typed as text is neither, in all but rare
    cases)."""
    if digits.endswith("0" * (len(digits) - 15)):
        return True
    value = float(digits)
    return str(int(value)) == digits and value == float(f"{value:.15g}")


def _lost_leading_zero(text: str) -> bool:
    """True when ``text`` (digits, spaces, dashes; no leading 0) is a CN fixed-line number
    written without the trunk 0 of its area code, by phonenumbers' metadata."""
    import phonenumbers
    from phonenumbers import PhoneNumberType

    digits = re.sub(r"[ -]", "", text)
    if not 9 <= len(digits) <= 11:
        return False
    try:
        number = phonenumbers.parse("0" + digits, "CN")
    except phonenumbers.NumberParseException:
        return False
    return (
        number.country_code == 86
        and str(number.national_number) == digits
        and phonenumbers.is_valid_number(number)
        and phonenumbers.number_type(number)
        in (PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
    )
