"""Japanese era names for fiscal years.

The city's fiscal year (年度) runs from April to March, so a fiscal year lies in one era except FY2019,
which began in 平成31年 April and became 令和元年 on 1 May 2019; the city calls it 令和元年度.
"""

import re
import unicodedata

# (first fiscal year of the era, era name), newest first.
ERAS = [
    (2019, "令和"),
    (1989, "平成"),
    (1926, "昭和"),
]

_ERA_FISCAL_YEAR = re.compile(r"(令和|平成|昭和)\s*(元|\d+)\s*年度?")
_WESTERN_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def era_year(fiscal_year):
    """Return (era name, year within the era) of a fiscal year, e.g. 2022 -> ("令和", 4)."""
    for first, name in ERAS:
        if fiscal_year >= first:
            return name, fiscal_year - first + 1
    raise ValueError(f"No era for fiscal year {fiscal_year}")


def wareki(fiscal_year):
    """令和4年度 for 2022; the first year of an era is 元年度."""
    name, year = era_year(fiscal_year)
    return f"{name}{'元' if year == 1 else year}年度"


def fiscal_year_label(fiscal_year):
    """The plan's own way of naming a fiscal year: 令和4年度 (2022)."""
    return f"{wareki(fiscal_year)} ({fiscal_year})"


def parse_fiscal_year(text):
    """Read a fiscal year from a cell such as 「令和４年度\n(2022)」, 「令和元年度」 or 「2022」.

    Returns None if the text names no fiscal year. Where both an era year and a western year are given
    they must agree, or ValueError is raised.
    """
    if text is None:
        return None
    text = unicodedata.normalize("NFKC", str(text))
    from_era = None
    match = _ERA_FISCAL_YEAR.search(text)
    if match:
        name, year = match.groups()
        first = dict((n, f) for f, n in ERAS)[name]
        from_era = first + (1 if year == "元" else int(year)) - 1
    western = _WESTERN_YEAR.search(text)
    from_western = int(western.group(1)) if western else None
    if from_era and from_western and from_era != from_western:
        raise ValueError(f"{text!r}: {wareki(from_era)} is {from_era}, not {from_western}")
    return from_era or from_western
