"""Importing the plan table from an .xlsx workbook: a clerk's hand-typed copy of the document, and our export.

The workbooks are built by tests/workbooks.py in the document's own layout from the seeded plan's JSON, so a
workbook that nobody altered must import with no changes at all; each test then alters one cell.
"""

import io
import re
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from initiatives.importing import InitiativeRow, PlanImportError, apply_rows
from initiatives.models import Department, Evaluation, Initiative, RoadmapCell
from initiatives.open_data import plan_to_csv, plan_to_dict
from initiatives.spreadsheet import read_plan_workbook
from plan.models import GlossaryTerm, Goal, ManagementStep, Plan, PlanReference
from tests import workbooks
from tests.personas import column_value
from workbooks import XLSX_CONTENT_TYPE

DOCUMENT_FIELDS = [
    "number",
    "name",
    "is_new",
    "description",
    "basic_plan_section",
    "public_private_data",
    "municipal_dx",
    "target_stage",
    "roadmap",
    "evaluations",
]
LINK_FIELDS = ["goals", "department", "carried_from"]

NOT_XLSX = "Excel形式（.xlsx）のファイルではありません"
CANNOT_OPEN = "ブックを開けませんでした"
TOO_BIG_FILE = "ファイルが大きすぎます"
BOMB = "ファイルの展開後のサイズが大きすぎるため読み込みません（圧縮爆弾の疑い）"
MACRO = "マクロを含むブック（.xlsm など）は受け付けません"
A4 = 9  # paperSize in SpreadsheetML
DTD = "ブックの中のXMLに文書型定義（DOCTYPE）や実体（ENTITY）の宣言があるため"


# --- Helpers --------------------------------------------------------------------------------------------


def document_rows(plan, *, links=False):
    """The plan's table as the document prints it, as rows a test may alter before building the workbook."""
    data = plan_to_dict(plan)
    if plan.ordinal == 4:
        return workbooks.fourth_plan_rows(data, links=links)
    return workbooks.fifth_plan_rows(data, links=links)


def document_workbook(plan, rows=None, *, links=False):
    rows = document_rows(plan, links=links) if rows is None else rows
    if plan.ordinal == 4:
        return workbooks.fourth_plan_workbook(rows)
    return workbooks.fifth_plan_workbook(rows)


def import_workbook(plan, data, **options):
    return apply_rows(plan, read_plan_workbook(data, plan), **options)


def database_dump():
    """Every row of every table the plan data lives in, in a fixed order: equal dumps, nothing written."""
    models = [
        Plan,
        PlanReference,
        ManagementStep,
        Goal,
        GlossaryTerm,
        Department,
        Initiative,
        Initiative.goals.through,
        Initiative.carried_from.through,
        RoadmapCell,
        Evaluation,
    ]
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in models}


def document_facts(plan_dict):
    return [{name: item[name] for name in DOCUMENT_FIELDS} for item in plan_dict["initiatives"]]


def run_import(path, plan, *options):
    stdout = io.StringIO()
    call_command("import_plan", str(path), f"--plan={plan}", *options, stdout=stdout, stderr=io.StringIO())
    return stdout.getvalue()


def refused(tmp_path, data, plan=5, name="plan.xlsx"):
    """Import the file with import_plan, expect it refused, and return what it said on stderr.

    The database must be exactly as it was before.
    """
    path = tmp_path / name
    path.write_bytes(data)
    before = database_dump()
    stderr = io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_plan", str(path), f"--plan={plan}", stdout=io.StringIO(), stderr=stderr)
    assert excinfo.value.returncode != 0
    assert "何も保存していません" in str(excinfo.value)
    assert database_dump() == before
    assert "Traceback" not in stderr.getvalue()
    return stderr.getvalue()


def rewrite_zip(data, replace=None, add=None, compression=zipfile.ZIP_DEFLATED):
    """The same zip with some entries replaced and some added."""
    replace, add = replace or {}, add or {}
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info.filename)))
        for filename, content in add.items():
            target.writestr(filename, content)
    return out.getvalue()


def understate_size(data, filename, size, *, matching_crc):
    """The zip with `filename` declared in its local header and central directory as `size` bytes long.

    With matching_crc the CRC is set to that of the first `size` bytes, so that the lie holds up.
    """
    archive = zipfile.ZipFile(io.BytesIO(data))
    info = archive.getinfo(filename)
    crc = zlib.crc32(archive.read(filename)[:size]) if matching_crc else info.CRC
    data = bytearray(data)
    # Local file header: CRC-32 at 14, uncompressed size at 22.
    struct.pack_into("<I", data, info.header_offset + 14, crc)
    struct.pack_into("<I", data, info.header_offset + 22, size)
    # Central directory: walk it from the end-of-central-directory record.
    end = data.rfind(b"PK\x05\x06")
    (directory_offset,) = struct.unpack_from("<I", data, end + 16)
    offset = directory_offset
    while data[offset : offset + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, offset + 28)
        if data[offset + 46 : offset + 46 + name_len].decode() == filename:
            struct.pack_into("<I", data, offset + 16, crc)
            struct.pack_into("<I", data, offset + 24, size)
        offset += 46 + name_len + extra_len + comment_len
    return bytes(data)


def billion_laughs(root):
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">' for n in range(1, 10)
    )
    return f"<!DOCTYPE {root} [{entities}]>".encode()


def xml_part(data, filename):
    content = zipfile.ZipFile(io.BytesIO(data)).read(filename)
    if content.startswith(b"<?xml"):
        content = content.split(b"?>", 1)[1]
    return content


# --- (1) The document's own layout imports as the seed --------------------------------------------------


def test_the_builder_types_the_document_the_way_a_clerk_does(plan5):
    rows = document_rows(plan5)
    sheet = load_workbook(io.BytesIO(workbooks.fifth_plan_workbook(rows))).active
    assert sheet["A1"].value == workbooks.FIFTH_TITLE
    assert all(cell.value is None for cell in sheet[2])
    assert "D3:H3" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["D3"].value == "年次計画"
    assert sheet["D4"].value == "令和4年度\n(2022)"
    assert {"A3:A4", "B3:B4", "C3:C4", "I3:I4", "J3:J4", "K3:K4"} <= {
        str(r) for r in sheet.merged_cells.ranges
    }
    assert sheet["A5"].value == "１" and sheet["A30"].value == "２６"
    assert sheet["B7"].value.startswith("《新規》")
    assert {sheet.cell(row=r, column=c).value for r in range(5, 31) for c in range(4, 9)} == {
        "検討",
        "実施",
        "⇒",
    }
    assert sheet["J5"].value == "●"
    assert all("\n" in row["計画内容"] for row in rows if len(row["計画内容"]) > 25)
    assert sheet["A31"].value is None
    assert sheet["A32"].value.startswith("第五次基本計画 … ")


@pytest.mark.parametrize("ordinal", [5, 4])
def test_a_workbook_typed_from_the_document_imports_with_no_changes(seeded, ordinal):
    plan = Plan.objects.get(ordinal=ordinal)
    before = database_dump()

    result = import_workbook(plan, document_workbook(plan))

    assert (result.created, result.updated) == (0, 0)
    assert result.unchanged == plan.initiatives.count() == {5: 26, 4: 17}[ordinal]
    assert [change for item in result.initiatives for change in item.changes] == []
    assert result.not_in_file == []
    assert database_dump() == before


@pytest.mark.parametrize("ordinal", [5, 4])
def test_a_workbook_typed_from_the_document_creates_the_documents_initiatives(seeded, ordinal):
    plan = Plan.objects.get(ordinal=ordinal)
    seeded_dict = plan_to_dict(plan)
    data = document_workbook(plan)
    Initiative.objects.filter(plan=plan).delete()

    result = import_workbook(plan, data)

    assert result.created == len(seeded_dict["initiatives"])
    imported = plan_to_dict(plan)
    assert document_facts(imported) == document_facts(seeded_dict)
    # The document names no goals, departments or carry-over: an administrator sets them.
    assert {
        (tuple(i["goals"]), i["department"], tuple(i["carried_from"])) for i in imported["initiatives"]
    } == {((), None, ())}


@pytest.mark.parametrize("ordinal", [5, 4])
def test_a_workbook_with_the_applications_columns_creates_exactly_the_seeded_data(seeded, ordinal):
    plan = Plan.objects.get(ordinal=ordinal)
    seeded_dict = plan_to_dict(plan)
    data = document_workbook(plan, links=True)
    Initiative.objects.filter(plan=plan).delete()
    assert not Initiative.objects.filter(plan=plan).exists()

    import_workbook(plan, data)

    assert plan_to_dict(plan) == seeded_dict


def test_the_documents_own_spellings_of_the_marks_read_as_the_seed_has_them(plan5):
    rows = document_rows(plan5)
    # Item 18: the PDF printed both marks in the 官民データ活用 cell and left 自治体DX empty.
    rows[17]["官民データ活用"], rows[17]["自治体DX"] = "● ●", ""
    # Items 21–24 are printed with a space after the mark.
    rows[20]["個別計画名"] = "《新規》 オンライン申請システム(庁内調査)の導入"
    rows[0]["項番"] = 1  # a number typed as a number, not as text
    before = database_dump()

    result = import_workbook(plan5, document_workbook(plan5, rows))

    assert result.unchanged == 26
    assert database_dump() == before


# --- (2) A changed cell is reported and written ---------------------------------------------------------


def changes_of(result, number):
    (item,) = [i for i in result.initiatives if i.number == number]
    return item.outcome, [(c.label, c.old, c.new) for c in item.changes]


def test_a_changed_name_is_reported_with_its_old_and_new_value_and_written(plan5):
    rows = document_rows(plan5)
    rows[2]["個別計画名"] = "《新規》\nGIS(公開型)の\n構築"

    result = import_workbook(plan5, document_workbook(plan5, rows))

    assert changes_of(result, 3) == ("updated", [("個別計画名", "GIS(公開型)の導入", "GIS(公開型)の構築")])
    assert (result.updated, result.unchanged) == (1, 25)
    assert plan5.initiatives.get(number=3).name == "GIS(公開型)の構築"
    assert plan5.initiatives.get(number=3).is_new


def test_a_name_typed_without_the_new_mark_is_reported_as_no_longer_new(plan5):
    rows = document_rows(plan5)
    rows[2]["個別計画名"] = "GIS(公開型)の導入"

    result = import_workbook(plan5, document_workbook(plan5, rows))

    assert changes_of(result, 3) == ("updated", [("新規", "●", "")])
    assert not plan5.initiatives.get(number=3).is_new


def test_a_changed_roadmap_mark_is_reported_with_the_whole_roadmap_and_written(plan5):
    rows = document_rows(plan5)
    assert [rows[1][y] for y in workbooks.FIFTH_YEARS] == ["検討", "⇒", "⇒", "実施", "⇒"]
    rows[1][2025] = "⇒"  # item 2 stays at 検討 to the end of the plan

    result = import_workbook(plan5, document_workbook(plan5, rows))

    action, changes = changes_of(result, 2)
    assert action == "updated"
    assert changes == [
        (
            "年次計画",
            "令和4年度 (2022) 検討、令和5年度 (2023) ⇒、令和6年度 (2024) ⇒、令和7年度 (2025) 実施、令和8年度 (2026) ⇒",
            "令和4年度 (2022) 検討、令和5年度 (2023) ⇒、令和6年度 (2024) ⇒、令和7年度 (2025) ⇒、令和8年度 (2026) ⇒",
        )
    ]
    cells = plan5.initiatives.get(number=2).roadmap.order_by("fiscal_year")
    assert [(c.stage, c.continued) for c in cells] == [("検討", False)] + [("検討", True)] * 4


def test_a_removed_flag_is_reported_and_written(plan5):
    rows = document_rows(plan5)
    assert rows[0]["自治体DX"] == "●"
    rows[0]["自治体DX"] = ""

    result = import_workbook(plan5, document_workbook(plan5, rows))

    assert changes_of(result, 1) == ("updated", [("自治体DX", "●", "")])
    assert column_value(plan5.initiatives.get(number=1), "municipal_dx") is False


def test_a_changed_achievement_in_the_fourth_plan_layout_is_reported_and_written(plan4):
    rows = document_rows(plan4)
    assert rows[1]["達成状況"] == "一部達成"
    rows[1]["達成状況"] = "達成"

    result = import_workbook(plan4, document_workbook(plan4, rows))

    assert changes_of(result, 2) == ("updated", [("達成状況（令和3年度 (2021)）", "一部達成", "達成")])
    assert plan4.initiatives.get(number=2).evaluations.get(fiscal_year=2021).achievement == "達成"


# --- (3) Importing twice, (4) trying it out --------------------------------------------------------------


@pytest.mark.parametrize("ordinal", [5, 4])
def test_importing_the_same_file_twice_changes_nothing_the_second_time(seeded, ordinal):
    plan = Plan.objects.get(ordinal=ordinal)
    rows = document_rows(plan)
    name_column = "個別計画名" if ordinal == 5 else "項目"
    rows[0][name_column] = "名前を変えた個別計画"
    data = document_workbook(plan, rows)

    first = import_workbook(plan, data)
    after_first = database_dump()
    second = import_workbook(plan, data)

    assert (first.updated, first.unchanged) == (1, len(rows) - 1)
    assert (second.created, second.updated, second.unchanged) == (0, 0, len(rows))
    assert database_dump() == after_first


def test_a_dry_run_reports_the_changes_and_writes_nothing(plan5, tmp_path):
    rows = document_rows(plan5)
    rows[2]["個別計画名"] = "《新規》GIS(公開型)の構築"
    rows[0]["自治体DX"] = ""
    path = tmp_path / "plan.xlsx"
    path.write_bytes(document_workbook(plan5, rows))
    Initiative.objects.filter(plan=plan5, number=26).delete()
    before = database_dump()

    output = run_import(path, 5, "--dry-run")

    assert "新規作成: 26 基幹業務システムの標準化・共通化" in output
    assert "更新: 3 GIS(公開型)の構築" in output
    assert "    個別計画名: 「GIS(公開型)の導入」→「GIS(公開型)の構築」" in output
    assert "    自治体DX: 「●」→「」" in output
    assert (
        "（試行のため保存していません）第五次東大和市情報化推進計画: 新規作成 1件、更新 2件、変更なし 23件"
        in output
    )
    assert database_dump() == before


def test_a_dry_run_of_apply_rows_returns_what_a_real_run_returns(plan5):
    rows = document_rows(plan5)
    rows[2]["個別計画名"] = "《新規》GIS(公開型)の構築"
    data = document_workbook(plan5, rows)
    before = database_dump()

    trial = import_workbook(plan5, data, dry_run=True)
    assert database_dump() == before
    real = import_workbook(plan5, data)

    assert trial == real
    assert database_dump() != before


# --- (5) Bad input and bad files: refused with a message, nothing written -------------------------------


def cells(*changes):
    """A workbook typed from the document with some cells changed: (row index, column, value) each."""

    def spoil(plan, settings):
        rows = document_rows(plan)
        for index, column, value in changes:
            # A change that leaves the document's cell as it was would test nothing.
            assert rows[index][column] != value, (index, column)
            rows[index][column] = value
        return document_workbook(plan, rows)

    return spoil


def plain_file(content):
    return lambda plan, settings: content


def csv_of_the_plan(plan, settings):
    return plan_to_csv(plan).encode("utf-8")


def zip_that_is_not_a_workbook(plan, settings):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    return out.getvalue()


def macro_enabled(macro):
    def spoil(plan, settings):
        data = document_workbook(plan)
        content_types = zipfile.ZipFile(io.BytesIO(data)).read("[Content_Types].xml")
        if macro != "project only":
            main = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
            assert main in content_types
            content_types = content_types.replace(
                main, b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
            )
        add = (
            {}
            if macro == "content type only"
            else {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)}
        )
        return rewrite_zip(data, {"[Content_Types].xml": content_types}, add)

    return spoil


def one_byte_over_the_size_limit(plan, settings):
    data = document_workbook(plan)
    settings.SPREADSHEET_MAX_BYTES = len(data) - 1
    return data


def expanding_far_beyond_its_size(plan, settings):
    # 40 MB of spaces, within the 50 MB limit on expanded size, deflate to some 40 kB: a ratio near 1000.
    data = rewrite_zip(document_workbook(plan), add={"xl/media/padding.xml": b" " * (40 * 1024 * 1024)})
    assert len(data) < 200 * 1024
    return data


def expanding_beyond_the_limit_on_expanded_size(plan, settings):
    settings.SPREADSHEET_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    settings.SPREADSHEET_MAX_RATIO = 10**6
    return rewrite_zip(document_workbook(plan), add={"xl/media/padding.xml": b" " * (2 * 1024 * 1024)})


def too_many_entries(plan, settings):
    settings.SPREADSHEET_MAX_ENTRIES = 20
    return rewrite_zip(document_workbook(plan), add={f"xl/media/image{n}.png": b"x" for n in range(20)})


def directory_understating_a_size(plan, settings):
    # 40 MB declared as 1 kB: the ratio and size checks on the directory pass, the inflated bytes do not.
    data = rewrite_zip(document_workbook(plan), add={"xl/media/padding.xml": b" " * (40 * 1024 * 1024)})
    return understate_size(data, "xl/media/padding.xml", 1024, matching_crc=False)


def directory_understating_a_size_with_a_matching_crc(plan, settings):
    data = document_workbook(plan)
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    return understate_size(data, "xl/worksheets/sheet1.xml", len(sheet) // 2, matching_crc=True)


def broken_sheet_xml(plan, settings):
    data = document_workbook(plan)
    sheet = xml_part(data, "xl/worksheets/sheet1.xml")
    broken = sheet.replace(b"</sheetData>", b"<row r='99'><c r='A99'></row></sheetData>")
    assert broken != sheet
    return rewrite_zip(data, {"xl/worksheets/sheet1.xml": broken})


def style_sheet_with_a_billion_laughs(plan, settings):
    data = document_workbook(plan)
    styles = xml_part(data, "xl/styles.xml")
    assert styles.startswith(b"<styleSheet")
    # The entity is used in a number format of its own, whatever number formats the workbook has already.
    laugh = b'<numFmt numFmtId="199" formatCode="&lol9;"/>'
    if b'<numFmts count="0" />' in styles:
        styles = styles.replace(b'<numFmts count="0" />', b'<numFmts count="1">' + laugh + b"</numFmts>")
    elif b"<numFmts" in styles:
        styles = re.sub(rb"(<numFmts[^>]*>)", lambda m: m.group(1) + laugh, styles, count=1)
    else:
        styles = styles.replace(b"<fonts", b'<numFmts count="1">' + laugh + b"</numFmts><fonts", 1)
    laughs = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + billion_laughs("styleSheet") + styles
    )
    assert b"&lol9;" in laughs
    return rewrite_zip(data, {"xl/styles.xml": laughs})


def sheet_with_an_entity_declaration(plan, settings):
    data = document_workbook(plan)
    sheet = b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    sheet += xml_part(data, "xl/worksheets/sheet1.xml")
    return rewrite_zip(data, {"xl/worksheets/sheet1.xml": sheet})


def doctype_behind_a_long_comment(part):
    def spoil(plan, settings):
        data = document_workbook(plan)
        root = b"styleSheet" if part == "xl/styles.xml" else b"worksheet"
        hidden = b'<?xml version="1.0"?><!--' + b"x" * 8192 + b"-->" + billion_laughs(root.decode())
        hidden += xml_part(data, part)
        return rewrite_zip(data, {part: hidden})

    return spoil


def refusal(id, spoil, *messages, plan=5, name="plan.xlsx"):
    """One row of the table: how the workbook is spoiled and what stderr must say.

    Each message must be in stderr; a tuple of messages means one of them (the zip library or openpyxl
    may be the one to notice).
    """
    return pytest.param(spoil, messages, plan, name, id=id)


PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
REFUSALS = [
    # Bad cells, named by row and column of the document's table.
    refusal(
        "an unknown roadmap mark",
        cells((1, 2024, "完了")),
        "6行目 F列（令和6年度 (2024)）: 「完了」は年次計画の記号として使えません。",
    ),
    refusal(
        "an unknown flag mark",
        cells((3, "官民データ活用", "○")),
        "8行目 J列（官民データ活用）: 「○」は記号として使えません。",
    ),
    refusal(
        "a continue mark with no stage before it",
        cells((0, 2022, "⇒")),
        "5行目 D列（令和4年度 (2022)）: 「⇒」は前年度の段階を引き継ぐ記号ですが",
    ),
    refusal(
        "a continue mark after an empty year",
        cells((0, 2024, "")),
        "5行目 G列（令和7年度 (2025)）: 「⇒」は前年度の段階を引き継ぐ記号ですが",
    ),
    refusal(
        "a duplicate item number, naming both rows",
        cells((4, "項番", "４")),
        "9行目 A列（項番）: 項番 4 が8行目と重複しています。",
    ),
    refusal("a missing name", cells((6, "個別計画名", "")), "11行目 B列（個別計画名）: 個別計画名が空です。"),
    refusal(
        "a name that is only the new mark",
        cells((2, "個別計画名", "《新規》")),
        "7行目 B列（個別計画名）: 個別計画名が空です。",
    ),
    refusal(
        "a non-numeric item number",
        cells((7, "項番", "未定")),
        "12行目 A列（項番）: 項番「未定」は数字ではありません。",
    ),
    refusal(
        "an unknown achievement word in the fourth plan's layout",
        cells((2, "達成状況", "概ね達成")),
        "6行目 F列（達成状況）: 「概ね達成」は達成状況として使えません。",
        plan=4,
    ),
    refusal(
        "an unknown direction word in the fourth plan's layout",
        cells((16, "今後の方向性", "廃止")),
        "20行目 G列（今後の方向性）: 「廃止」は今後の方向性として使えません。",
        plan=4,
    ),
    refusal(
        "every bad cell at once",
        cells((1, 2024, "完了"), (3, "官民データ活用", "○"), (7, "項番", "未定")),
        "6行目 F列",
        "8行目 J列",
        "12行目 A列",
    ),
    refusal("a name longer than its column", cells((0, "個別計画名", "あ" * 201)), "5行目 B列"),
    refusal("a description longer than its column", cells((0, "計画内容", "あ" * 5001)), "5行目 C列"),
    refusal(
        "a basic plan section longer than its column", cells((0, "第五次基本計画", "あ" * 101)), "5行目 I列"
    ),
    # Files that are not a workbook, or not one to open.
    refusal("a csv file renamed to xlsx", csv_of_the_plan, NOT_XLSX),
    refusal("a pdf renamed to xlsx", plain_file(PDF), NOT_XLSX),
    refusal("a zip that is not a workbook", zip_that_is_not_a_workbook, NOT_XLSX),
    *(
        refusal(f"a macro-enabled workbook ({macro})", macro_enabled(macro), MACRO, name="plan.xlsm")
        for macro in ["project and content type", "project only", "content type only"]
    ),
    refusal("a file over the size limit", one_byte_over_the_size_limit, TOO_BIG_FILE),
    refusal("a zip that expands far beyond its size", expanding_far_beyond_its_size, BOMB),
    refusal(
        "a zip that expands beyond the limit on expanded size",
        expanding_beyond_the_limit_on_expanded_size,
        BOMB,
    ),
    refusal("a zip with too many entries", too_many_entries, BOMB),
    refusal("a zip whose directory understates a size", directory_understating_a_size, (BOMB, NOT_XLSX)),
    refusal(
        "a zip whose directory understates a size with a matching crc",
        directory_understating_a_size_with_a_matching_crc,
        (CANNOT_OPEN, NOT_XLSX),
    ),
    refusal("a workbook whose sheet xml is broken", broken_sheet_xml, CANNOT_OPEN),
    refusal("a style sheet with a billion laughs doctype", style_sheet_with_a_billion_laughs, DTD),
    refusal("a sheet with an entity declaration", sheet_with_an_entity_declaration, DTD),
    *(
        refusal(
            f"a doctype hidden behind a long comment in {part}",
            doctype_behind_a_long_comment(part),
            (DTD, CANNOT_OPEN),
        )
        for part in ["xl/styles.xml", "xl/worksheets/sheet1.xml"]
    ),
]


@pytest.mark.parametrize(("spoil", "messages", "ordinal", "name"), REFUSALS)
def test_a_bad_workbook_is_refused_with_a_message_saying_what_and_where(
    seeded, tmp_path, settings, spoil, messages, ordinal, name
):
    plan = Plan.objects.get(ordinal=ordinal)

    stderr = refused(tmp_path, spoil(plan, settings), plan=ordinal, name=name)

    for message in messages:
        alternatives = message if isinstance(message, tuple) else (message,)
        assert any(m in stderr for m in alternatives), f"{alternatives} not in {stderr}"


@pytest.mark.parametrize(("spoil", "messages", "ordinal", "name"), REFUSALS)
def test_the_admin_refuses_the_same_workbooks_with_the_same_messages_and_stages_nothing(
    seeded, admin_client, settings, spoil, messages, ordinal, name
):
    """What the administrator sees on the import page for each file of the table above."""
    plan = Plan.objects.get(ordinal=ordinal)
    data = spoil(plan, settings)
    before = database_dump()

    upload = SimpleUploadedFile(name, data, content_type=XLSX_CONTENT_TYPE)
    response = admin_client.post(
        reverse("admin:initiatives_initiative_import"), {"plan": plan.pk, "file": upload}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "何も保存していません" in html
    for message in messages:
        alternatives = message if isinstance(message, tuple) else (message,)
        assert any(escape(m) in html for m in alternatives), f"{alternatives} not on the page"
    assert "confirm_form" not in response.context, "a refused file must offer nothing to confirm"
    assert database_dump() == before
    staged = settings.IMPORT_STAGING_DIR
    assert not staged.exists() or not any(staged.iterdir()), "a refused file must not be kept"


def test_the_messages_name_the_rows_and_columns_of_the_documents_layout():
    """The row and column the table above expects, from the builder of the document's layout."""
    assert (workbooks.fifth_row(1), workbooks.column_of("fifth", 2024)) == (6, "F")
    assert (workbooks.fourth_row(2), workbooks.column_of("fourth", "達成状況")) == (6, "F")


def test_one_bad_row_among_good_rows_writes_nothing_at_all(plan5, tmp_path):
    rows = document_rows(plan5)
    rows[0]["個別計画名"] = "行政手続きのオンライン化の推進"  # a good change …
    rows[0]["自治体DX"] = ""
    rows[25][2026] = "完了"  # … and a bad cell in the last row

    stderr = refused(tmp_path, document_workbook(plan5, rows))

    assert "30行目 H列" in stderr
    assert plan5.initiatives.get(number=1).name == "行政手続きのオンライン化"


def test_an_error_found_while_writing_rolls_back_the_rows_already_written(plan5):
    rows = read_plan_workbook(document_workbook(plan5), plan5)
    rows[0].name = "行政手続きのオンライン化の推進"
    rows.append(InitiativeRow(number=99, where="31行目", name=""))  # new, and nameless: found only on writing
    before = database_dump()

    with pytest.raises(PlanImportError) as excinfo:
        apply_rows(plan5, rows)

    assert excinfo.value.messages == ["31行目: 個別計画名が空です。"]
    assert database_dump() == before


def test_a_file_at_the_size_limit_is_accepted(plan5, tmp_path, settings):
    data = document_workbook(plan5)
    settings.SPREADSHEET_MAX_BYTES = len(data)
    path = tmp_path / "plan.xlsx"
    path.write_bytes(data)

    assert "変更なし 26件" in run_import(path, 5)


def test_a_compressed_content_types_part_is_not_inflated_beyond_the_limit(
    plan5, tmp_path, settings, monkeypatch
):
    settings.SPREADSHEET_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    data = document_workbook(plan5)
    content_types = zipfile.ZipFile(io.BytesIO(data)).read("[Content_Types].xml")
    bomb = rewrite_zip(data, {"[Content_Types].xml": content_types + b" " * (16 * 1024 * 1024)})
    inflated = []
    read = zipfile.ZipExtFile.read

    def counting_read(self, n=-1):
        chunk = read(self, n)
        inflated.append(len(chunk))
        return chunk

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)

    stderr = refused(tmp_path, bomb)

    assert BOMB in stderr
    assert sum(inflated) <= settings.SPREADSHEET_MAX_UNCOMPRESSED_BYTES + 64 * 1024


# --- (6) The management commands -----------------------------------------------------------------------


def test_import_plan_prints_what_it_created_updated_and_left_unchanged(plan5, tmp_path):
    rows = document_rows(plan5)
    rows[2]["個別計画名"] = "《新規》GIS(公開型)の構築"
    path = tmp_path / "plan.xlsx"
    path.write_bytes(document_workbook(plan5, rows))
    Initiative.objects.filter(plan=plan5, number=26).delete()

    output = run_import(path, 5)

    assert "新規作成: 26 基幹業務システムの標準化・共通化" in output
    assert "更新: 3 GIS(公開型)の構築\n    個別計画名: 「GIS(公開型)の導入」→「GIS(公開型)の構築」" in output
    assert "変更なし: 1 行政手続きのオンライン化" in output
    assert output.rstrip().endswith("第五次東大和市情報化推進計画: 新規作成 1件、更新 1件、変更なし 24件")
    assert plan5.initiatives.get(number=26).roadmap.count() == 5


def test_import_plan_names_initiatives_the_file_leaves_out(plan5, tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(document_workbook(plan5, document_rows(plan5)[:25]))

    output = run_import(path, 5)

    assert "ファイルにない個別計画（変更なし）: 26 基幹業務システムの標準化・共通化" in output
    assert plan5.initiatives.filter(number=26).exists()


def test_import_plan_refuses_a_bad_file_with_the_messages_on_stderr(plan5, tmp_path):
    rows = document_rows(plan5)
    rows[1][2024] = "完了"
    rows[3]["官民データ活用"] = "○"
    path = tmp_path / "計画表.xlsx"
    path.write_bytes(document_workbook(plan5, rows))
    stdout, stderr = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError) as excinfo:
        call_command("import_plan", str(path), "--plan=5", stdout=stdout, stderr=stderr)

    assert excinfo.value.returncode == 1
    assert str(excinfo.value) == "計画表.xlsx は読み込めませんでした（2件の誤り）。何も保存していません。"
    assert stderr.getvalue().splitlines() == [
        "6行目 F列（令和6年度 (2024)）: 「完了」は年次計画の記号として使えません。「検討」「実施」「⇒」のいずれかか空欄にしてください。",
        "8行目 J列（官民データ活用）: 「○」は記号として使えません。該当する場合は「●」、しない場合は空欄にしてください。",
    ]
    assert stdout.getvalue() == ""


@pytest.mark.parametrize("ordinal", [5, 4])
def test_an_exported_workbook_imports_back_with_no_changes(seeded, ordinal, tmp_path):
    path = tmp_path / "export.xlsx"
    call_command("export_plan", ordinal, "--format=xlsx", f"--output={path}")
    before = database_dump()

    output = run_import(path, ordinal)

    count = {5: 26, 4: 17}[ordinal]
    assert output.rstrip().endswith(f"新規作成 0件、更新 0件、変更なし {count}件")
    assert database_dump() == before


@pytest.mark.parametrize("ordinal", [5, 4])
def test_an_exported_workbook_recreates_the_plan_exactly(seeded, ordinal, tmp_path):
    plan = Plan.objects.get(ordinal=ordinal)
    seeded_dict = plan_to_dict(plan)
    path = tmp_path / "export.xlsx"
    call_command("export_plan", ordinal, "--format=xlsx", f"--output={path}")
    Initiative.objects.filter(plan=plan).delete()

    run_import(path, ordinal)

    assert plan_to_dict(plan) == seeded_dict


def exported_sheet(ordinal, tmp_path):
    path = tmp_path / "export.xlsx"
    call_command("export_plan", ordinal, "--format=xlsx", f"--output={path}")
    return load_workbook(path).active


def header_row_of(sheet):
    return next(row[0].row for row in sheet.iter_rows(max_row=30) if row[0].value == "項番")


def test_the_exported_fifth_plan_workbook_looks_like_the_documents_table(plan5, tmp_path):
    sheet = exported_sheet(5, tmp_path)
    header = header_row_of(sheet)
    headers = {cell.value: cell.column for cell in sheet[header] if cell.value}
    years = {cell.value: cell.column for cell in sheet[header + 1] if cell.value}
    merged = {str(r) for r in sheet.merged_cells.ranges}

    assert plan5.title in sheet["A1"].value
    first_year = years["令和4年度\n(2022)"]
    assert list(years) == [f"令和{y - 2018}年度\n({y})" for y in workbooks.FIFTH_YEARS]
    assert list(years.values()) == list(range(first_year, first_year + 5))
    assert f"{get_column_letter(first_year)}{header}:{get_column_letter(first_year + 4)}{header}" in merged
    assert {
        f"{get_column_letter(headers[h])}{header}:{get_column_letter(headers[h])}{header + 1}"
        for h in ("項番", "個別計画名", "官民データ活用")
    } <= merged
    data = {row[0].value: row for row in sheet.iter_rows(min_row=header + 2) if isinstance(row[0].value, int)}
    assert sorted(data) == list(range(1, 27))
    name = headers["個別計画名"] - 1
    assert data[3][name].value == "《新規》GIS(公開型)の導入"
    assert data[1][name].value == "行政手続きのオンライン化"
    assert [data[2][c - 1].value for c in years.values()] == ["検討", "⇒", "⇒", "実施", "⇒"]
    flags = headers["官民データ活用"] - 1, headers["自治体DX"] - 1
    assert [data[1][c].value for c in flags] == ["●", "●"]
    assert [data[2][c].value for c in flags] == ["●", None]
    assert [data[18][c].value for c in flags] == ["●", "●"]
    assert sheet.print_title_rows == f"${header}:${header + 1}"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == A4


def test_the_exported_fifth_plan_workbook_says_nenji_keikaku_over_the_years(plan5, tmp_path):
    sheet = exported_sheet(5, tmp_path)
    header = header_row_of(sheet)
    first_year = next(c.column for c in sheet[header + 1] if c.value == "令和4年度\n(2022)")

    assert sheet.cell(row=header, column=first_year).value == "年次計画"


def test_the_exported_fourth_plan_workbook_has_the_fourth_plans_columns(plan4, tmp_path):
    sheet = exported_sheet(4, tmp_path)
    header = header_row_of(sheet)
    headers = [cell.value for cell in sheet[header] if cell.value]

    assert plan4.title in sheet["A1"].value
    assert headers[:7] == [
        "項番",
        "項目",
        "内容",
        "取組目標",
        "令和3年度までの取組内容",
        "達成状況",
        "今後の方向性",
    ]
    assert sheet.print_title_rows == f"${header}:${header + 1}"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == A4
