"""Masking personal data for reports and logs (PIPL: show no more than a task needs)."""

from __future__ import annotations

PERSONAL_TYPES = {"phone", "email", "cn_resident_id"}


def mask(value: str, kind: str) -> str:
    """A masked form of ``value``: 138****5678, w***@qq.com, 110101********123X, 王*."""
    text = str(value)
    if not text:
        return text
    if kind == "email" and "@" in text:
        local, _, domain = text.partition("@")
        return f"{local[:1]}***@{domain}"
    if kind == "phone":
        digits = [c for c in national_digits(text) if c.isdigit()]
        if len(digits) >= 7:
            return "".join(digits[:3]) + "****" + "".join(digits[-4:])
        return "*" * len(text)
    if kind == "cn_resident_id":
        if len(text) >= 10:
            return text[:6] + "*" * (len(text) - 10) + text[-4:]
        return "*" * len(text)
    # names and other personal text: keep the first character
    return text[:1] + "*" * max(1, len(text) - 1)


def national_digits(text: str, region: str = "CN") -> str:
    """The national significant number of the phone number ``text`` (``+86 139-1234-0001``
    and ``0086 13912340001`` give ``13912340001``), so that a mask hides the subscriber's
    digits and not the country code; ``text`` itself when phonenumbers cannot parse it (or
    is not installed, as under Pyodide without it).  ``region``: ISO 3166 code for numbers
    written without a country code (ITU-T E.164 via the phonenumbers library)."""
    try:
        import phonenumbers
    except ImportError:  # pragma: no cover - phonenumbers is a core dependency
        return text
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return text
    return phonenumbers.national_significant_number(parsed) or text
