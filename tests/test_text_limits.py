"""Every free text has a limit a clerk would find generous, with a message naming the field.

The limit is 5,000 characters for long texts (the plan document's longest is about 430). A pasted
600,000-character text is refused wherever it comes in, with nothing saved and the user's input kept.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from initiatives.models import Initiative
from plan.fields import LONG_TEXT_MAX_LENGTH
from plan.models import Plan
from reviews.models import ReviewCycle, StatusEntry
from tests.personas import make_user, open_cycle
from tests.test_entry_editing import form_data

HUGE = 600_000


@pytest.fixture
def cycle(plan5):
    return open_cycle(plan5, 2024, make_user("admin"))


def long_text_fields():
    """(model, field name) of every long free text the application stores."""
    from django.apps import apps

    from plan.fields import LimitedTextField

    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, LimitedTextField)
    ]


def test_every_text_field_of_the_applications_models_has_a_limit():
    from django.apps import apps
    from django.db import models

    unlimited = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model._meta.app_label in {"plan", "initiatives", "reviews"}
        for field in model._meta.concrete_fields
        if isinstance(field, models.TextField | models.CharField) and not field.max_length
    ]
    assert unlimited == []
    assert len(long_text_fields()) >= 14


def test_the_limit_leaves_ten_times_the_documents_longest_text(plan5):
    longest = max(
        len(getattr(obj, name) or "")
        for model, name in long_text_fields()
        for obj in model._default_manager.all()
    )
    assert 0 < longest * 10 <= LONG_TEXT_MAX_LENGTH


def test_a_600000_character_entry_is_refused_with_the_fields_name_and_the_input_kept(client, cycle):
    client.force_login(make_user("staff"))
    entry = StatusEntry.objects.get(cycle=cycle, initiative__number=16)
    text = "あ" * HUGE

    response = client.post(
        reverse("reviews:entry", args=[cycle.pk, 16]), form_data(entry, actions=text, issues="課題")
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "取組内容は5000文字以内にしてください（600000文字あります）。" in page
    assert "保存できませんでした。何も保存していません。次の項目を直してから" in page  # at the top, in view
    assert text in page  # kept in the form, to shorten and save again
    assert 'maxlength="5000"' not in page  # the browser would cut a pasted text without a word
    entry.refresh_from_db()
    assert (entry.version, entry.actions, entry.issues) == (0, "", "")


def test_a_text_at_the_limit_is_saved(client, cycle):
    client.force_login(make_user("staff"))
    entry = StatusEntry.objects.get(cycle=cycle, initiative__number=16)
    text = "い" * LONG_TEXT_MAX_LENGTH

    response = client.post(reverse("reviews:entry", args=[cycle.pk, 16]), form_data(entry, actions=text))

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.actions == text


def test_the_model_refuses_a_long_text_whatever_form_it_came_from(plan5):
    initiative = Initiative.objects.get(plan=plan5, number=1)
    initiative.description = "あ" * (LONG_TEXT_MAX_LENGTH + 1)

    with pytest.raises(ValidationError) as excinfo:
        initiative.full_clean()

    assert excinfo.value.message_dict["description"] == [
        "計画内容は5000文字以内にしてください（5001文字あります）。"
    ]


def test_the_admin_refuses_a_600000_character_plan_text_naming_the_field(plan5, admin_user, client):
    client.force_login(admin_user)
    url = reverse("admin:plan_plan_change", args=[plan5.pk])
    data = {
        f.name: getattr(plan5, f.name) or ""
        for f in Plan._meta.concrete_fields
        if f.editable and not f.primary_key and not f.is_relation
    }
    data["purpose"] = "あ" * HUGE

    response = client.post(url, data)

    assert response.status_code == 200
    assert "計画の目的・重点は5000文字以内にしてください（600000文字あります）。" in response.content.decode()
    plan5.refresh_from_db()
    assert len(plan5.purpose) < 1000


def test_a_deliberation_comment_over_the_limit_is_refused_naming_the_field(client, plan5):
    from tests.personas import cycle_in_state

    admin = make_user("admin")
    cycle = cycle_in_state(plan5, 2023, admin, "取りまとめ済")
    client.force_login(admin)

    response = client.post(
        reverse("reviews:cycle_step", args=[cycle.pk]),
        {"step": "committee", "date": "2024-06-01", "comment": "意" * HUGE},
        follow=True,
    )

    assert "意見は5000文字以内にしてください（600000文字あります）。" in response.content.decode()
    cycle = ReviewCycle.objects.get(pk=cycle.pk)
    assert (cycle.state, cycle.committee_comment) == ("取りまとめ済", "")


def test_a_survey_workbook_with_a_text_over_the_limit_is_refused_naming_the_cell(client, cycle):
    from initiatives.models import Department
    from tests.test_survey_workbooks import download, fill, upload

    department = Department.objects.create(name="総務課")
    Initiative.objects.filter(plan=cycle.plan, number__in=[16, 19, 25]).update(department=department)
    client.force_login(make_user("staff"))
    # An xlsx cell holds at most 32,767 characters, so a workbook cannot carry 600,000 in one.
    data = fill(download(client, cycle, department), {19: {"取組内容": "あ" * 32_767}})

    response = upload(client, cycle, department, data)

    assert response.status_code == 400
    assert (
        "5行目 G列（取組内容）: 32767文字あります。5000文字以内にしてください。" in response.context["errors"]
    )
    assert not StatusEntry.objects.filter(cycle=cycle).exclude(version=0).exists()
