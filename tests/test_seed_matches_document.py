"""The seed that `load_seed` puts in the database says what the plan document says, field by field.

The document (fixtures/source/第五次東大和市情報化推進計画.txt, the published plan, text-extracted) is parsed
here on its own terms, following fixtures/source/READING.md, and never through fixtures/*.json: if the
shipped seed drifts from the document, these tests say where.
"""

import io
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from django.core.management import call_command

from initiatives.models import Department, Evaluation, Initiative, RoadmapCell
from plan.models import GlossaryTerm, Goal, ManagementStep, Plan, PlanReference
from tests.personas import column_value

DOCUMENT = Path(__file__).resolve().parent.parent / "fixtures" / "source" / "第五次東大和市情報化推進計画.txt"

NEW_MARK = "《新規》"
CONTINUES = "⇒"
DOT = "●"
STAGES = ("検討", "実施")
ERA_OFFSETS = {"令和": 2018, "平成": 1988}
KANJI_ORDINALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
GOAL_CODES = {"Ⅰ": "I", "Ⅱ": "II", "Ⅲ": "III"}

# READING.md: "Item 5's name wrapped badly: it is 「AIチャットボット(市民向け)の導入」, the twin of item 6."
# The only place where the seed is meant to differ from a mechanical reading of the table.
READING_NAME_EXCEPTIONS = {5: "AIチャットボット(市民向け)の導入"}


# ---------------------------------------------------------------------------------------------------------
# Reading the document
# ---------------------------------------------------------------------------------------------------------


@cache
def document_lines():
    return DOCUMENT.read_text(encoding="utf-8").splitlines()


def section(start, end):
    """The lines after the one line that is exactly `start`, up to the first line that `end` matches."""
    lines = document_lines()
    starts = [i for i, line in enumerate(lines) if line == start]
    assert len(starts) == 1, f"heading {start!r} occurs {len(starts)} times in the document"
    out = []
    for line in lines[starts[0] + 1 :]:
        if re.match(end, line):
            return out
        out.append(line)
    raise AssertionError(f"no line matching {end!r} after {start!r}")


def paragraphs(lines):
    return [line.strip() for line in lines if line.strip()]


def western_year(era, year):
    return ERA_OFFSETS[era] + (1 if year == "元" else int(year))


def fiscal_year_of(label):
    """令和4年度 (2022) -> 2022; the era year and the western year, where both are printed, must agree."""
    match = re.fullmatch(r"(令和|平成)(元|\d+)年度(?: \((\d{4})\))?", label)
    assert match, f"not a fiscal-year label: {label!r}"
    year = western_year(match[1], match[2])
    if match[3]:
        assert int(match[3]) == year, f"{label!r}: the era year and the western year disagree"
    return year


def table(lines, width):
    """The TAB-separated rows of a table as lists of fields, with its header lines.

    A line whose 項番 is 項番 is a (repeated) header; in the fifth-plan table a second header line with the
    fiscal years follows it. A line with an empty 項番 right after the repeated header continues the row
    above: each of its cells is joined to the cell above with no separator.
    """
    rows, headers = [], []
    after_header = False
    for line in lines:
        if "\t" not in line:
            continue
        fields = line.split("\t")
        assert len(fields) == width, f"{len(fields)} fields, not {width}: {line!r}"
        if fields[0] == "項番":
            headers.append([fields])
            after_header = True
        elif fields[0] == "" and after_header and any(re.search(r"\d+年度 \(\d{4}\)", f) for f in fields):
            headers[-1].append(fields)
        elif fields[0] == "":
            assert after_header, f"a continuation line that does not follow a repeated header: {line!r}"
            assert rows, f"a continuation line before the first row: {line!r}"
            rows[-1] = [above + below for above, below in zip(rows[-1], fields, strict=True)]
            after_header = False
        else:
            rows.append(fields)
            after_header = False
    assert headers, "no header line"
    assert all(h == headers[0] for h in headers), "the repeated header lines differ"
    numbers = [int(r[0]) for r in rows]
    assert numbers == list(range(1, len(rows) + 1)), f"項番 not 1..n in order: {numbers}"
    return headers[0], rows


@dataclass
class FifthPlanRow:
    number: int
    printed_name: str  # the 個別計画名 cell, continuation joined, 《新規》 still on it
    name: str
    is_new: bool
    description: str
    roadmap: dict  # {fiscal year: (stage, continued)}
    basic_plan_section: str
    public_private_data: bool
    municipal_dx: bool
    mark_cells: tuple = field(default=("", ""))  # the two printed mark cells, as they are


@dataclass
class FourthPlanRow:
    number: int
    name: str
    description: str
    target_stage: str
    evaluation_year: int
    actions: str
    achievement: str
    direction: str


@cache
def fifth_plan_table():
    (header, years_line), rows = table(
        section("2 第五次東大和市情報化推進計画[個別計画]", r"3 計画の進行管理$"), 11
    )
    assert header[:4] == ["項番", "個別計画名", "計画内容", "年次計画"]
    assert header[8:] == ["第五次基本計画", "官民データ活用", "自治体DX"]
    years = [fiscal_year_of(label) for label in years_line[3:8]]
    parsed = []
    for fields in rows:
        printed_name = fields[1]
        is_new = printed_name.startswith(NEW_MARK)
        name = printed_name.removeprefix(NEW_MARK).lstrip(" \u3000")
        roadmap, stage = {}, None
        for year, mark in zip(years, fields[3:8], strict=True):
            if mark == CONTINUES:
                assert stage, f"項番 {fields[0]}: ⇒ in {year} continues no stage"
                roadmap[year] = (stage, True)
            else:
                assert mark in STAGES, f"項番 {fields[0]}: unknown 年次計画 mark {mark!r} in {year}"
                stage = mark
                roadmap[year] = (stage, False)
        data_cell, dx_cell = fields[9], fields[10]
        assert data_cell in ("", DOT, f"{DOT} {DOT}"), f"項番 {fields[0]}: 官民データ活用 cell {data_cell!r}"
        assert dx_cell in ("", DOT), f"項番 {fields[0]}: 自治体DX cell {dx_cell!r}"
        if data_cell == f"{DOT} {DOT}":
            # READING.md: both marks fell into the tenth field; read them as both columns marked.
            assert dx_cell == "", f"項番 {fields[0]}: two marks in 官民データ活用 and one in 自治体DX"
            public_private_data = municipal_dx = True
        else:
            public_private_data, municipal_dx = data_cell == DOT, dx_cell == DOT
        parsed.append(
            FifthPlanRow(
                number=int(fields[0]),
                printed_name=printed_name,
                name=name,
                is_new=is_new,
                description=fields[2],
                roadmap=roadmap,
                basic_plan_section=fields[8],
                public_private_data=public_private_data,
                municipal_dx=municipal_dx,
                mark_cells=(data_cell, dx_cell),
            )
        )
    return parsed


@cache
def fourth_plan_table():
    (header,), rows = table(
        section("(2) 第四次東大和市情報化推進計画における取組状況と今後の方向性", r"第3章"), 7
    )
    assert header[:4] == ["項番", "項目", "内容", "取組目標"]
    assert header[5:] == ["達成状況", "今後の方向性"]
    match = re.fullmatch(r"(.+年度)までの取組内容", header[4])
    assert match, header[4]
    evaluation_year = fiscal_year_of(match[1])
    parsed = []
    for fields in rows:
        assert fields[3] in STAGES, fields
        parsed.append(
            FourthPlanRow(
                number=int(fields[0]),
                name=fields[1],
                description=fields[2],
                target_stage=fields[3],
                evaluation_year=evaluation_year,
                actions=fields[4],
                achievement=fields[5],
                direction=fields[6],
            )
        )
    return parsed


@cache
def glossary():
    """用語解説 as [(term, definition)]: a term, then its definition; a definition that does not end its
    sentence (。) wrapped across a blank line and goes on in the next paragraph."""
    items = []
    term, definition = None, ""
    for text in paragraphs(section("〈用語解説〉", r"第五次東大和市情報化推進計画$")):
        if term is None:
            assert not text.endswith("。"), f"expected a term, found a sentence: {text!r}"
            term = text
            continue
        definition += text
        if definition.endswith("。"):
            items.append((term, definition))
            term, definition = None, ""
    assert term is None, f"the glossary ends inside the entry for {term!r}"
    return items


@cache
def goals():
    """第3章 1: [(code, numeral, title)] in printed order."""
    text = "".join(section("1 第五次東大和市情報化推進計画の施策体系", r"2 第五次東大和市情報化推進計画"))
    # The third goal is printed 「（Ⅲ）効果的・効率的な行政の推進」, its numeral inside the quotes.
    found = re.findall(r"（([ⅠⅡⅢ])）「([^」]+)」|「（([ⅠⅡⅢ])）([^」]+)」", text)
    return [(GOAL_CODES[a or c], a or c, b or d) for a, b, c, d in found]


@cache
def goal_ranges():
    """第3章 1: 情報化施策（1）～（9） … （10）～（26）, as [(first, last)] in printed order."""
    text = "".join(section("1 第五次東大和市情報化推進計画の施策体系", r"2 第五次東大和市情報化推進計画"))
    return [(int(a), int(b)) for a, b in re.findall(r"（(\d+)）～（(\d+)）", text)]


@cache
def fifth_plan_cover():
    lines = paragraphs(document_lines())
    title = lines[0]
    period = re.fullmatch(r"(令和|平成)(\d+)年度～(令和|平成)(\d+)年度", lines[1])
    western = re.fullmatch(r"\((\d{4})年度～(\d{4})年度\)", lines[2])
    adopted = re.fullmatch(r"(令和|平成)(\d+)年(\d+)月", lines[3])
    assert period and western and adopted, lines[:4]
    first, last = western_year(period[1], period[2]), western_year(period[3], period[4])
    assert (first, last) == (int(western[1]), int(western[2])), "the cover's two periods disagree"
    editors = [m[1] for line in lines if (m := re.fullmatch(r"編集 東大和市 (.+)", line))]
    assert len(editors) == 1, editors
    ordinal = re.match(r"第(.)次", title)
    return {
        "ordinal": KANJI_ORDINALS[ordinal[1]],
        "title": title,
        "first_fiscal_year": first,
        "last_fiscal_year": last,
        "adopted": adopted[0],
        "adopted_year": western_year(adopted[1], adopted[2]),
        "adopted_month": int(adopted[3]),
        "division": editors[0],
    }


@cache
def plan_history():
    """第1章 1: {ordinal: (title, adopted as printed)} for the first to fourth plans."""
    text = "".join(section("1 計画の背景", r"2 計画の目的"))
    found = re.findall(
        r"(平成\d+年(?:\d+月)?)には?、?「((?:第[一二三四]次)?東大和市情報化推進計画)（以下「第([一二三四])次計画」",
        text,
    )
    return {KANJI_ORDINALS[n]: (title, adopted) for adopted, title, n in found}


@cache
def fourth_plan_period():
    text = "".join(section("(2) 第四次東大和市情報化推進計画における取組状況と今後の方向性", r"項番"))
    match = re.search(
        r"((?:平成|令和)\d+年度)から((?:平成|令和)\d+年度)までの\d+か年を計画期間とする第四次計画", text
    )
    assert match, text
    return fiscal_year_of(match[1]), fiscal_year_of(match[2])


@cache
def progress_management():
    return paragraphs(section("3 計画の進行管理", r"〈用語解説〉"))


@cache
def management_steps():
    """第3章 3: [(kind, body)]: the bodies that deliberate, in order, then where the result is published."""
    text = "".join(progress_management())
    match = re.search(r"である(.+?)で審議の後、(.+?)で公開", text)
    assert match, text
    return [("審議", body) for body in match[1].split("及び")] + [("公開", match[2])]


@cache
def purpose():
    return paragraphs(section("2 計画の目的", r"3 計画の位置づけ"))


@cache
def positioning():
    """第1章 3: [(relation, name, period, description)], one a paragraph, in printed order.

    The name is the first plan (…計画) the paragraph quotes; the period is printed after it, if at all."""
    relations = [
        ("を具体化し", "上位計画"),
        ("位置づけを併せ持つ", "位置づけを併せ持つ"),
        ("を踏まえた", "踏まえる"),
    ]
    out = []
    for text in paragraphs(section("3 計画の位置づけ", r"4 計画期間")):
        (relation,) = [r for keyword, r in relations if keyword in text]
        names = re.findall(r"「([^「」（]+(?:（DX）[^「」（]+)?計画)(?:」|（)", text)
        period = re.match(rf".*?「{re.escape(names[0])}」（([^）]+年度～[^）]+年度)）", text)
        out.append((relation, names[0], period[1] if period else "", text))
    return out


def table_notes():
    return [
        line
        for line in paragraphs(section("2 第五次東大和市情報化推進計画[個別計画]", r"3 計画の進行管理$"))
        if " … " in line
    ]


def numbers(parse):
    """The 項番 to parametrize over. If the document does not parse, one case (0) that fails saying why."""
    try:
        return [r.number for r in parse()]
    except AssertionError:
        return [0]


def fifth_row(number):
    return next(r for r in fifth_plan_table() if r.number == number)


def fourth_row(number):
    return next(r for r in fourth_plan_table() if r.number == number)


# ---------------------------------------------------------------------------------------------------------
# The parse itself finds what the document states
# ---------------------------------------------------------------------------------------------------------


def test_the_parse_finds_the_tables_as_the_document_states_them():
    fifth, fourth = fifth_plan_table(), fourth_plan_table()
    assert len(fifth) == 26  # 第3章 1: 情報化施策（1）～（26）
    assert len(fourth) == 17  # READING.md: the fourth plan's 17 items
    assert {year for row in fifth for year in row.roadmap} == set(range(2022, 2027))  # 令和4–8年度
    assert {row.evaluation_year for row in fourth} == {2021}  # 令和3年度までの取組内容
    assert [n for n, _t in goal_ranges()] == [1, 10]
    assert goal_ranges()[-1][1] == len(fifth)
    assert [code for code, _n, _t in goals()] == ["I", "II", "III"]
    assert 20 <= len(glossary()) <= 30  # READING.md: about 25 terms


def test_the_parse_joins_cells_continued_after_a_page_break():
    assert fifth_row(10).description.endswith("紙資料の準備等に係る事務負担を軽減する。")
    assert fifth_row(26).description.startswith(
        "市の基幹20業務(住民記録、選挙人名簿管理、固定資産税、個人住民税、"
    )
    assert fifth_row(5).basic_plan_section == "第3編第3章1-3"
    assert fourth_row(10).actions.endswith("ペーパーレス会議の推進に資する利用について検討した。")
    assert dict(glossary())["グループウェア"].count("ファイル共有機能、スケジュール機能") == 1


# ---------------------------------------------------------------------------------------------------------
# The fifth plan's initiatives
# ---------------------------------------------------------------------------------------------------------


def expected_fifth(row):
    return {
        "name": READING_NAME_EXCEPTIONS.get(row.number, row.name),
        "is_new": row.is_new,
        "description": row.description,
        "basic_plan_section": row.basic_plan_section,
        "public_private_data": row.public_private_data,
        "municipal_dx": row.municipal_dx,
        "roadmap": row.roadmap,
        "final_target_stage": row.roadmap[max(row.roadmap)][0],
        "evaluations": [],  # the document records no results for the fifth plan yet
        "department": None,  # the document names no department
    }


def stored_fifth(initiative):
    return {
        "name": initiative.name,
        "is_new": initiative.is_new,
        "description": initiative.description,
        "basic_plan_section": column_value(initiative, "basic_plan_section"),
        "public_private_data": column_value(initiative, "public_private_data"),
        "municipal_dx": column_value(initiative, "municipal_dx"),
        "roadmap": {
            c.fiscal_year: (c.stage, c.continued) for c in initiative.roadmap.order_by("fiscal_year")
        },
        "final_target_stage": initiative.final_target_stage,
        "evaluations": list(initiative.evaluations.values_list("fiscal_year", flat=True)),
        "department": initiative.department,
    }


def test_the_database_holds_exactly_the_fifth_plans_initiatives_and_roadmap_cells(plan5):
    rows = fifth_plan_table()
    assert sorted(plan5.initiatives.values_list("number", flat=True)) == [r.number for r in rows]
    cells = sum(len(r.roadmap) for r in rows)
    assert RoadmapCell.objects.filter(initiative__plan=plan5).count() == cells
    assert cells == len(rows) * len(plan5.fiscal_years)


@pytest.mark.parametrize("number", numbers(fifth_plan_table), ids=lambda n: f"item{n:02d}")
def test_every_fifth_plan_initiative_matches_the_document(plan5, number):
    initiative = Initiative.objects.get(plan=plan5, number=number)
    assert stored_fifth(initiative) == expected_fifth(fifth_row(number))


def test_item_5s_name_is_read_as_reading_md_states_it(plan5):
    # A stated exception: the table prints 「《新規》AIチャットボット(市民)」 and, after the page break, 「向けの導入」.
    assert fifth_row(5).printed_name == "《新規》AIチャットボット(市民)向けの導入"
    assert fifth_row(6).name == "AIチャットボット(職員向け)の導入"  # its twin
    initiative = plan5.initiatives.get(number=5)
    assert initiative.name == "AIチャットボット(市民向け)の導入"
    assert initiative.is_new
    assert "市民向け" in initiative.source_note


def test_item_18s_two_marks_in_one_cell_are_read_as_both_columns_marked(plan5):
    assert fifth_row(18).mark_cells == ("● ●", "")
    initiative = plan5.initiatives.get(number=18)
    assert (column_value(initiative, "public_private_data"), column_value(initiative, "municipal_dx")) == (
        True,
        True,
    )
    # READING.md: "say so where the app shows its sources".
    assert "官民データ活用" in initiative.source_note
    assert "自治体DX" in initiative.source_note


def test_no_other_initiative_carries_a_source_note(seeded):
    noted = Initiative.objects.exclude(source_note="").order_by("plan__ordinal", "number")
    assert [(i.plan.ordinal, i.number) for i in noted] == [(5, 5), (5, 18)]


# ---------------------------------------------------------------------------------------------------------
# The fourth plan's items and their final evaluation
# ---------------------------------------------------------------------------------------------------------


def test_the_database_holds_exactly_the_fourth_plans_items(plan4):
    rows = fourth_plan_table()
    assert sorted(plan4.initiatives.values_list("number", flat=True)) == [r.number for r in rows]
    assert Evaluation.objects.filter(initiative__plan=plan4).count() == len(rows)
    assert not RoadmapCell.objects.filter(initiative__plan=plan4).exists()


@pytest.mark.parametrize("number", numbers(fourth_plan_table), ids=lambda n: f"item{n:02d}")
def test_every_fourth_plan_item_and_its_evaluation_match_the_document(plan4, number):
    row = fourth_row(number)
    initiative = Initiative.objects.get(plan=plan4, number=number)
    stored = {
        "name": initiative.name,
        "description": initiative.description,
        "target_stage": initiative.target_stage,
        "is_new": initiative.is_new,
        "basic_plan_section": column_value(initiative, "basic_plan_section"),
        "flags": (column_value(initiative, "public_private_data"), column_value(initiative, "municipal_dx")),
        "department": initiative.department,
        "evaluations": list(
            initiative.evaluations.values_list("fiscal_year", "actions", "achievement", "direction")
        ),
    }
    assert stored == {
        "name": row.name,
        "description": row.description,
        "target_stage": row.target_stage,
        "is_new": False,
        "basic_plan_section": "",
        "flags": (False, False),
        "department": None,
        "evaluations": [(row.evaluation_year, row.actions, row.achievement, row.direction)],
    }


# ---------------------------------------------------------------------------------------------------------
# Goals, glossary, plan metadata, progress management
# ---------------------------------------------------------------------------------------------------------


def test_the_fifth_plans_goals_are_the_three_printed_in_chapter_3(plan5):
    stored = [(g.code, g.numeral, g.title) for g in plan5.goals.order_by("order")]
    assert stored == goals()


def test_initiatives_1_to_9_serve_goals_i_and_ii_and_10_to_26_serve_goal_iii(plan5):
    (first, last), (first3, last3) = goal_ranges()
    expected = {n: ["I", "II"] for n in range(first, last + 1)} | {
        n: ["III"] for n in range(first3, last3 + 1)
    }
    assert sorted(expected) == [r.number for r in fifth_plan_table()]
    stored = {i.number: sorted(g.code for g in i.goals.all()) for i in plan5.initiatives.all()}
    assert stored == expected


def test_the_glossary_holds_every_term_and_definition_in_printed_order(plan5):
    stored = list(plan5.glossary.order_by("order").values_list("order", "term", "definition"))
    assert stored == [
        (order, term, definition) for order, (term, definition) in enumerate(glossary(), start=1)
    ]


def test_the_glossary_joins_the_definition_of_groupware_across_the_blank_line(plan5):
    definition = plan5.glossary.get(term="グループウェア").definition
    assert "文書ファイル等のファイル共有機能、スケジュール機能、内部決裁" in definition
    assert "\n" not in definition


def test_the_fifth_plans_metadata_matches_the_cover_and_colophon(plan5):
    stored = {name: getattr(plan5, name) for name in fifth_plan_cover()}
    assert stored == fifth_plan_cover()
    assert stored == {
        "ordinal": 5,
        "title": "第五次東大和市情報化推進計画",
        "first_fiscal_year": 2022,
        "last_fiscal_year": 2026,
        "adopted": "令和4年3月",
        "adopted_year": 2022,
        "adopted_month": 3,
        "division": "総務部 情報管理課",
    }


def test_the_fifth_plans_predecessor_is_the_fourth_plan_of_fiscal_2019_to_2021(plan5, plan4):
    assert plan5.predecessor == plan4
    assert plan4.title == plan_history()[4][0]
    assert (plan4.first_fiscal_year, plan4.last_fiscal_year) == fourth_plan_period() == (2019, 2021)


def test_the_earlier_plans_are_titled_and_dated_as_chapter_1_tells_their_history(seeded):
    history = plan_history()
    assert sorted(history) == [1, 2, 3, 4]
    stored = {p.ordinal: (p.title, p.adopted) for p in Plan.objects.filter(ordinal__in=history)}
    assert stored == history
    chain = {p.ordinal: p.predecessor.ordinal if p.predecessor else None for p in Plan.objects.all()}
    assert chain == {1: None, 2: 1, 3: 2, 4: 3, 5: 4}


def test_progress_is_deliberated_by_the_committee_then_the_headquarters_then_published(plan5):
    stored = list(plan5.management_steps.order_by("order").values_list("order", "kind", "body"))
    assert stored == [(order, kind, body) for order, (kind, body) in enumerate(management_steps(), start=1)]
    assert [body for _k, body in management_steps()] == [
        "東大和市情報システム委員会",
        "東大和市情報システムマネジメント本部会議",
        "市報及びホームページ",
    ]
    assert plan5.progress_management == "\n".join(progress_management())


def test_the_fifth_plans_purpose_is_the_text_of_chapter_1_section_2(plan5):
    assert plan5.purpose == "\n".join(purpose())


def test_the_fifth_plans_positioning_is_the_three_paragraphs_of_chapter_1_section_3(plan5):
    stored = list(plan5.references.order_by("order").values_list("relation", "name", "period", "description"))
    assert stored == positioning()
    assert [(relation, name, period) for relation, name, period, _d in stored] == [
        ("上位計画", "東大和市第五次基本計画", "令和4年度～令和13年度"),
        ("位置づけを併せ持つ", "市町村官民データ活用推進計画", ""),
        ("踏まえる", "自治体デジタル・トランスフォーメーション（DX）推進計画", ""),
    ]


def test_the_table_notes_are_the_three_printed_under_the_table(plan5):
    assert len(table_notes()) == 3
    assert plan5.table_notes == "\n".join(table_notes())


# ---------------------------------------------------------------------------------------------------------
# Carry-over links from the fourth plan
# ---------------------------------------------------------------------------------------------------------


def test_the_fourth_plans_ict_bcp_item_is_carried_on_by_the_fifth_plans_ict_bcp(plan4, plan5):
    assert fourth_row(16).name == "ICT-BCP策定の検討"
    assert fifth_row(8).name == "ICT-BCPの策定"
    item = plan5.initiatives.get(number=8)
    assert (4, 16) in {(i.plan.ordinal, i.number) for i in item.carried_from.all()}


def test_every_default_carry_over_link_runs_from_a_fourth_plan_item_the_document_continues(seeded):
    links = [
        (source, target)
        for target in Initiative.objects.filter(carried_from__isnull=False).distinct()
        for source in target.carried_from.all()
    ]
    assert links
    for source, target in links:
        assert (source.plan.ordinal, target.plan.ordinal) == (4, 5), (source, target)
        assert fourth_row(source.number).direction == "継続", source
        assert source.evaluations.get().direction == "継続", source


# ---------------------------------------------------------------------------------------------------------
# Loading the seed again
# ---------------------------------------------------------------------------------------------------------


def load_seed():
    call_command("load_seed", stdout=io.StringIO())


def dump(keys=True):
    """Every row load_seed writes, with its primary key, so that a delete and re-create shows too.

    keys=False leaves out the keys of roadmap cells and evaluations, which may be re-created."""
    models = [Plan, PlanReference, ManagementStep, Goal, GlossaryTerm, Department, Initiative]
    tables = {m.__name__: list(m.objects.order_by("pk").values()) for m in models}
    for name in ("goals", "carried_from"):
        through = getattr(Initiative, name).through
        tables[f"Initiative.{name}"] = list(through.objects.order_by("pk").values())
    for model in (RoadmapCell, Evaluation):
        rows = model.objects.order_by("initiative_id", "fiscal_year").values()
        tables[model.__name__] = [{k: v for k, v in r.items() if keys or k != "id"} for r in rows]
    return tables


def test_loading_the_seed_twice_changes_nothing(seeded):
    before = dump()
    load_seed()
    assert dump() == before


def test_reloading_the_seed_keeps_an_administrators_department_goals_and_links(plan4, plan5):
    item = plan5.initiatives.get(number=8)
    department = Department.objects.create(name="防災安全課")
    item.department = department
    item.save()
    item.goals.set([plan5.goals.get(code="II")])
    item.carried_from.set([plan4.initiatives.get(number=7)])

    load_seed()

    item.refresh_from_db()
    assert item.department == department
    assert [g.code for g in item.goals.all()] == ["II"]
    assert [(i.plan.ordinal, i.number) for i in item.carried_from.all()] == [(4, 7)]


def test_reloading_the_seed_restores_an_initiatives_name_edited_in_the_database(plan5):
    plan5.initiatives.filter(number=3).update(name="地図情報システム")

    load_seed()

    assert plan5.initiatives.get(number=3).name == fifth_row(3).name == "GIS(公開型)の導入"


def _rename_initiative(plan4, plan5):
    values = plan5.initiatives.get(number=3).column_values
    plan5.initiatives.filter(number=3).update(
        name="GIS", is_new=False, column_values={**values, "municipal_dx": True}
    )
    plan5.initiatives.filter(number=18).update(source_note="管理者が書き換えた注記")


def _change_roadmap(plan4, plan5):
    RoadmapCell.objects.filter(initiative__plan=plan5, initiative__number=3, fiscal_year=2024).update(
        stage="検討", continued=True
    )
    RoadmapCell.objects.filter(initiative__plan=plan5, initiative__number=3, fiscal_year=2026).delete()


def _change_evaluation(plan4, plan5):
    Evaluation.objects.filter(initiative__plan=plan4, initiative__number=5).update(
        achievement="未達成", direction="継続", actions=""
    )


def _change_glossary_and_goal(plan4, plan5):
    plan5.glossary.filter(term="LGWAN").update(definition="総合行政ネットワーク。")
    plan5.goals.filter(code="III").update(title="効率的な行政")


def _change_plan_and_management_steps(plan4, plan5):
    Plan.objects.filter(pk=plan5.pk).update(title="第五次計画", division="", last_fiscal_year=2030)
    plan5.management_steps.filter(order=2).update(body="庁議")


@pytest.mark.parametrize(
    "edit",
    [
        _rename_initiative,
        _change_roadmap,
        _change_evaluation,
        _change_glossary_and_goal,
        _change_plan_and_management_steps,
    ],
    ids=lambda f: f.__name__.strip("_"),
)
def test_reloading_the_seed_restores_a_document_fact_edited_in_the_database(plan4, plan5, edit):
    before = dump(keys=False)
    edit(plan4, plan5)
    assert dump(keys=False) != before

    load_seed()

    assert dump(keys=False) == before


def test_reloading_the_seed_removes_goals_and_glossary_terms_the_document_does_not_have(plan5, plan4):
    Goal.objects.create(plan=plan4, order=1, code="I", title="計画書にない目標")
    GlossaryTerm.objects.create(plan=plan5, order=99, term="計画書にない用語", definition="…")
    call_command("load_seed", stdout=io.StringIO())
    assert not plan4.goals.exists()
    assert not plan5.glossary.filter(term="計画書にない用語").exists()
