"""Check characters of Chinese identifiers (and the VIN), shared by validation and samples.

- 公民身份号码 (GB 11643-1999): 17 digits + a check character from ISO 7064 MOD 11-2.
- 统一社会信用代码 (GB 32100-2015): 17 characters + a check character, MOD 31.
- 组织机构代码 (GB 11714): 8 characters + a check character, MOD 11 (inside the USCC).
- VIN (ISO 3779 / GB 16735): position 9 is a MOD 11 check digit.
"""

from __future__ import annotations

RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK = "10X98765432"

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

VIN_CHARSET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def resident_id_check_char(first17: str) -> str:
    """The 18th character of a resident ID whose first 17 digits are ``first17``."""
    total = sum(int(c) * w for c, w in zip(first17, RESIDENT_ID_WEIGHTS, strict=True))
    return RESIDENT_ID_CHECK[total % 11]


def org_code_check_char(first8: str) -> str:
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first8, ORG_CODE_WEIGHTS, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else ("0" if value == 11 else str(value))


def uscc_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code."""
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def vin_check_digit(vin17: str) -> str:
    """The check digit (position 9) for a 17-character VIN (position 9 is ignored)."""
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin17, VIN_WEIGHTS, strict=True))
    value = total % 11
    return "X" if value == 10 else str(value)
