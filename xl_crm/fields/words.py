"""The words people type for yes and no, defined once for reading, writing and inferring.

Read case-insensitively after trimming (``casefold()``): Chinese 是/否, 对/错, 有/无,
English yes/no, y/n, true/false, t/f, 1/0, and the tick and cross marks of hand-kept sheets.
"""

from __future__ import annotations

__all__ = ["FALSE_WORDS", "NUMERAL_WORDS", "TRUE_WORDS", "truth_of"]

TRUE_WORDS = frozenset({"true", "是", "yes", "y", "1", "对", "✓", "√", "✔", "有", "t"})
FALSE_WORDS = frozenset({"false", "否", "no", "n", "0", "错", "✗", "×", "✘", "无", "f", "不"})
#: yes/no words that are also numbers: alone they do not make a column boolean
NUMERAL_WORDS = frozenset({"1", "0"})


def truth_of(text: str) -> bool | None:
    """True or False for a yes/no word (``" 是 "`` -> True), None for any other text."""
    word = text.strip().casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None
