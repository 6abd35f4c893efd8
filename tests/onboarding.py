"""Helpers for the bulk-import tests: real files, posted through the admin as a clerk would."""

import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

FORMATS = {"xlsx": "0", "csv": "1", "json": "2"}
EXPORT_FORMATS = {"xlsx": "0", "csv": "1", "json": "2"}


def xlsx_bytes(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding="utf-8"):
    text = "\r\n".join(",".join("" if v is None else str(v) for v in row) for row in rows) + "\r\n"
    return text.encode(encoding)


def upload(client, url_name, data, file_name, file_format=None):
    """The import's first step: the preview (or the errors), as the response."""
    file_format = file_format or file_name.rsplit(".", 1)[-1]
    return client.post(
        reverse(url_name),
        {
            "resource": "0",
            "format": FORMATS[file_format],
            "import_file": SimpleUploadedFile(file_name, data),
        },
    )


def confirm(client, preview, url_name):
    form = preview.context["confirm_form"]
    return client.post(reverse(url_name), {name: form.initial[name] for name in form.initial})


def import_file(client, model, data, file_name, file_format=None):
    """Upload and confirm; returns (preview, confirmation)."""
    preview = upload(client, f"admin:{model}_import", data, file_name, file_format)
    assert preview.context.get("confirm_form") is not None, errors_of(preview)
    return preview, confirm(client, preview, f"admin:{model}_process_import")


def errors_of(response):
    return [
        (e["row"], str(e["column"]), str(e["message"])) for e in (response.context.get("city_errors") or [])
    ] or [str(e) for e in response.context["form"].errors.get("import_file", [])]


def export(client, model, file_format):
    return client.post(
        reverse(f"admin:{model}_export"), {"resource": "0", "format": EXPORT_FORMATS[file_format]}
    ).content


def row_words(response):
    """The 取込 column of the preview: 新規 / 更新 / 変更なし, a word per row."""
    html = response.content.decode()
    return re.findall(r'<td class="import-type">([^<]*)</td>', html)
