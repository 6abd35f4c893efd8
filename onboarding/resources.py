"""The base of every bulk import: all or nothing, idempotent, and errors a clerk can read.

A resource built on CityResource is read in one transaction, cleans every instance (the model's own rules),
rolls the whole file back if any row is wrong, and skips a row that changes nothing, reporting it as
変更なし: importing the same file twice changes nothing. Its errors (CityResource.city_errors, set after
each import) each name the row as the spreadsheet shows it (the header is row 1) and the column header, in
Japanese; nothing of the library's own messages or tracebacks reaches the clerk.
"""

import logging
import re
import unicodedata
import zlib

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connections
from django.utils.translation import gettext as _
from import_export import resources, widgets

logger = logging.getLogger(__name__)

# Several names in one cell: 、 (the city's own separator), commas, or line breaks typed in the cell.
LIST_SEPARATORS = re.compile(r"[、，,\r\n]+")


def split_names(value):
    if value is None:
        return []
    return [name.strip() for name in LIST_SEPARATORS.split(str(value)) if name.strip()]


def plain_text(value):
    """A cell as text: None as empty, a whole float (Excel's numbers) without its .0, spaces trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class RefusedFile(Exception):
    """The file as a whole cannot be imported (a required column is missing); the message says what to do."""


class ClerkWorded:
    """A widget whose ValueError messages are already written for the clerk (the library's are not)."""


class TextWidget(ClerkWorded, widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        return plain_text(value)

    def render(self, value, **kwargs):
        return "" if value is None else str(value)


class YesNoWidget(ClerkWorded, widgets.Widget):
    """はい / いいえ (also 1/0, ○/×, TRUE/FALSE, as Excel and clerks write them); empty is はい."""

    YES = {"はい", "1", "○", "〇", "true", "yes", "有効"}
    NO = {"いいえ", "0", "×", "false", "no", "無効"}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = unicodedata.normalize("NFKC", plain_text(value)).lower()
        if text == "" or text in self.YES:
            return True
        if text in self.NO:
            return False
        raise ValueError(
            _("「はい」か「いいえ」で書いてください（「%(value)s」）。") % {"value": plain_text(value)}
        )

    def render(self, value, **kwargs):
        return _("はい") if value else _("いいえ")


class NamesWidget(ClerkWorded, widgets.ManyToManyWidget):
    """Several records named in one cell (separated by 、, commas or line breaks); an unknown name is an error."""

    def __init__(self, model, field, what, **kwargs):
        super().__init__(model, separator="、", field=field, **kwargs)
        self.what = what

    def queryset(self):
        return self.model.objects.all()

    def clean(self, value, row=None, **kwargs):
        names = split_names(plain_text(value))
        found = {getattr(o, self.field): o for o in self.queryset().filter(**{f"{self.field}__in": names})}
        unknown = [n for n in names if n not in found]
        if unknown:
            raise ValueError(
                _("%(what)s「%(names)s」が見つかりません。")
                % {"what": self.what, "names": "、".join(unknown)}
            )
        return [found[n] for n in dict.fromkeys(names)]

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return self.separator.join(sorted(str(getattr(o, self.field)) for o in value.all()))


class CityResource(resources.ModelResource):
    """Base of the bulk imports. Subclasses declare their fields with Japanese column names and
    import_id_fields; required_columns lists the headers a file must have (default: the id fields')."""

    required_columns = None

    class Meta:
        use_transactions = True
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        skip_html_diff = False

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.city_errors = []
        self.sheet_rows = None

    # --- Reading the file ---------------------------------------------------------------------------

    def column_of(self, attribute):
        for field in self.fields.values():
            if attribute in (field.attribute, field.column_name):
                return field.column_name
        return ""

    def get_required_columns(self):
        if self.required_columns is not None:
            return [str(c) for c in self.required_columns]
        return [str(self.fields[name].column_name) for name in self.get_import_id_fields()]

    def before_import(self, dataset, **kwargs):
        self.sheet_rows = getattr(dataset, "sheet_rows", None)
        missing = [c for c in self.get_required_columns() if c not in (dataset.headers or [])]
        if missing:
            raise RefusedFile(
                _("1行目に列「%(columns)s」がありません。書き出したファイルの見出しのまま使ってください。")
                % {"columns": "」「".join(missing)}
            )
        super().before_import(dataset, **kwargs)

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        """The library's widgets say "Value could not be parsed…" or raise InvalidOperation: say it plainly."""
        try:
            super().import_field(field, instance, row, is_m2m, **kwargs)
        except ValueError as exc:
            if isinstance(field.widget, ClerkWorded):
                raise
            raise ValueError(self.unreadable(row.get(field.column_name))) from exc
        except (ArithmeticError, TypeError) as exc:  # decimal.InvalidOperation is an ArithmeticError
            raise ValueError(self.unreadable(row.get(field.column_name))) from exc

    @staticmethod
    def unreadable(value):
        return _(
            "「%(value)s」を読み取れません。数値や日付は書き出したファイルと同じ形で書いてください。"
        ) % {"value": plain_text(value)}

    def import_instance(self, instance, row, **kwargs):
        """Every column's error at once: the library leaves the many-to-many columns until after saving."""
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        for field in self.get_import_fields():
            if isinstance(field.widget, widgets.ManyToManyWidget) and field.column_name in row:
                try:
                    field.clean(row)
                except ValueError as exc:
                    errors[field.attribute] = ValidationError(str(exc))
        if errors:
            raise ValidationError(errors)

    # --- Confirming -----------------------------------------------------------------------------------

    def import_data_inner(
        self, dataset, dry_run, raise_errors, using_transactions, collect_failed_rows, **kw
    ):
        if using_transactions and not dry_run:
            self.wait_for_other_confirmations()
        return super().import_data_inner(
            dataset, dry_run, raise_errors, using_transactions, collect_failed_rows, **kw
        )

    def wait_for_other_confirmations(self):
        """Bulk imports being confirmed at the same moment are written one after the other.

        Without this, on PostgreSQL the second could look a row up just before the first commits it and
        then meet it in the unique check, and be refused although its file changes nothing. Waiting for
        the first to commit, it reads that file's rows as they now are (変更なし). The lock is PostgreSQL's
        transaction advisory lock, released when the import's transaction ends, one for every bulk import
        (the departments' and the users' files both write who belongs where); SQLite already writes one
        transaction at a time (transaction_mode IMMEDIATE).
        """
        connection = connections[self.get_db_connection_name()]
        if connection.vendor == "postgresql":
            key = zlib.crc32(b"onboarding.bulk-import")
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])

    # --- What the clerk reads -----------------------------------------------------------------------

    def sheet_row(self, number):
        """The row as Excel shows it (header = row 1) of the import's data row `number` (from 1)."""
        if self.sheet_rows and 0 < number <= len(self.sheet_rows):
            return self.sheet_rows[number - 1]
        return number + 1

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        self.city_errors = self.readable_errors(result)
        result.city_errors = self.city_errors

    def readable_errors(self, result):
        """[{"row", "column", "message"}] for every problem of the import, in the clerk's words."""
        found = []
        for error in result.base_errors:
            found.append({"row": None, "column": "", "message": self.message_of(error.error)})
        if found:
            return found  # the file as a whole is refused: its rows' errors would only follow from that
        for number, errors in result.row_errors():
            for error in errors:
                found.append(
                    {"row": self.sheet_row(number), "column": "", "message": self.message_of(error.error)}
                )
        for invalid in result.invalid_rows:
            for key, messages in invalid.error_dict.items():
                column = "" if key == NON_FIELD_ERRORS else self.column_of(key) or key
                for message in messages:
                    found.append(
                        {"row": self.sheet_row(invalid.number), "column": column, "message": message}
                    )
        return found

    def message_of(self, error):
        if isinstance(error, RefusedFile):
            return str(error)
        if isinstance(error, IntegrityError):
            # Two people confirming files that add the same record at the same moment: the database's
            # unique rule refuses the second, whose import is rolled back whole. Not a fault: a retry
            # previews the record as it now is.
            logger.warning("bulk import refused by a unique rule: %s", error)
            return _(
                "この行と同じものを、確認の間にほかの人が取り込みました。ファイルは取り込んでいません。"
                "もう一度ファイルを選んで、変更内容を確かめてください。"
            )
        # Anything else is a fault of ours, not of the file: logged in full, told plainly.
        logger.error("bulk import failed: %r", error, exc_info=error)
        return _(
            "この行を取り込めませんでした（システムの誤り）。ファイルは取り込んでいません。情報管理課にお知らせください。"
        )
