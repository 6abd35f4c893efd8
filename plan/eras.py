"""Japanese era names for fiscal years.

The fiscal year (年度) runs from April to March and takes the era of its first day, 1 April. So FY2019,
which began on 1 April 平成31年 and became 令和 on 1 May, is 平成31年度, as the fourth plan calls it
(「平成31年度から令和3年度までの3か年」); 令和元年度 is read as the same year.
"""

import datetime
import re
import unicodedata

# (era name, calendar year of its first day, first fiscal year whose 1 April lies in it), newest first.
ERAS = [
    ("令和", 2019, 2020),
    ("平成", 1989, 1989),
    ("昭和", 1926, 1927),
]

_ERA_FISCAL_YEAR = re.compile(r"(令和|平成|昭和)\s*(元|\d+)\s*年度?")
_WESTERN_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def era_year(fiscal_year):
    """Return (era name, year within the era) of a fiscal year, e.g. 2022 -> ("令和", 4)."""
    for name, first_year, first_fiscal_year in ERAS:
        if fiscal_year >= first_fiscal_year:
            return name, fiscal_year - first_year + 1
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
        first_year = next(first for era, first, _fiscal in ERAS if era == name)
        from_era = first_year + (1 if year == "元" else int(year)) - 1
    western = _WESTERN_YEAR.search(text)
    from_western = int(western.group(1)) if western else None
    if from_era and from_western and from_era != from_western:
        raise ValueError(f"{text!r}: {wareki(from_era)} is {from_era}, not {from_western}")
    return from_era or from_western


def date_label(day):
    """A day as the city writes it in its letters, messages and records: 2026年12月20日."""
    return f"{day.year}年{day.month}月{day.day}日"


_ERA_DATE = re.compile(r"^(令和|平成|昭和)\s*(元|\d+)\s*年\s*(\d+)\s*月\s*(\d+)\s*日$")
_WESTERN_DATE = re.compile(
    r"^(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?(?:[ T]0?0:00(?::00)?)?$"
)


def parse_date(value):
    """A day as a city's file writes it: a spreadsheet's date, 「2023-08-01」, 「2023/8/1」, 「2023年8月1日」 or
    「令和5年8月1日」 (元年 too). None for a blank cell; ValueError for anything else."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return None
    era = _ERA_DATE.match(text)
    western = _WESTERN_DATE.match(text)
    if era:
        name, year, month, day = era.groups()
        first_year = next(first for era_name, first, _fiscal in ERAS if era_name == name)
        year = first_year + (1 if year == "元" else int(year)) - 1
    elif western:
        year, month, day = western.groups()
    else:
        raise ValueError(f"{text!r} is not a date")
    return datetime.date(int(year), int(month), int(day))  # ValueError for 2月30日
