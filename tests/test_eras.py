import datetime

import pytest

from plan.eras import fiscal_year_label, parse_date, parse_fiscal_year, wareki


@pytest.mark.parametrize(
    ("fiscal_year", "label"),
    [
        (2022, "令和4年度 (2022)"),
        (2026, "令和8年度 (2026)"),
        (2020, "令和2年度 (2020)"),
        # FY2019 began on 1 April 平成31年: the fourth plan calls it 平成31年度.
        (2019, "平成31年度 (2019)"),
        (2021, "令和3年度 (2021)"),
        (1989, "平成元年度 (1989)"),
        (1988, "昭和63年度 (1988)"),
    ],
)
def test_a_fiscal_year_shows_as_the_plan_writes_it(fiscal_year, label):
    assert fiscal_year_label(fiscal_year) == label


def test_the_ninth_year_of_reiwa_is_the_sixth_plans_first_year():
    assert wareki(2027) == "令和9年度"


@pytest.mark.parametrize(
    ("text", "fiscal_year"),
    [
        ("令和4年度 (2022)", 2022),
        ("令和４年度\n(２０２２)", 2022),
        ("令和元年度", 2019),
        ("平成31年度", 2019),
        ("令和3年度までの取組内容", 2021),
        ("2024", 2024),
        ("項番", None),
        (None, None),
    ],
)
def test_a_fiscal_year_is_read_from_a_header_cell(text, fiscal_year):
    assert parse_fiscal_year(text) == fiscal_year


def test_an_era_year_that_contradicts_its_western_year_is_refused():
    with pytest.raises(ValueError, match="2022"):
        parse_fiscal_year("令和4年度 (2023)")


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2023-08-01", datetime.date(2023, 8, 1)),
        ("2023/8/1", datetime.date(2023, 8, 1)),
        ("２０２３年８月１日", datetime.date(2023, 8, 1)),
        ("令和5年8月1日", datetime.date(2023, 8, 1)),
        ("令和元年5月1日", datetime.date(2019, 5, 1)),
        ("平成31年4月30日", datetime.date(2019, 4, 30)),
        (datetime.datetime(2023, 8, 1, 0, 0), datetime.date(2023, 8, 1)),  # Excel's date cell
        ("2023-08-01 00:00:00", datetime.date(2023, 8, 1)),  # the same cell, once saved as CSV
        ("", None),
        (None, None),
    ],
)
def test_a_day_is_read_as_a_city_writes_it(value, day):
    assert parse_date(value) == day


@pytest.mark.parametrize("value", ["8月1日", "2023-02-30", "令和5年", "2023-08-01 09:30"])
def test_what_is_not_one_day_is_refused(value):
    with pytest.raises(ValueError):
        parse_date(value)
