"""The city's own names are settings in the admin: pages, reports and open data print them, not the code."""

import io

from django.core.management import call_command
from django.urls import reverse

from plan.models import CitySettings
from reviews.report_files import report_html
from reviews.reports import cycle_report
from tests.personas import cycle_in_state


def test_the_seed_gives_the_city_its_names(seeded):
    city = CitySettings.current()
    assert (city.city, city.division) == ("東大和市", "総務部 情報管理課")
    assert city.committee_name == "東大和市情報システム委員会"
    assert city.headquarters_name == "東大和市情報システムマネジメント本部会議"
    assert city.open_data_licence == "CC BY 4.0"


def test_every_page_names_the_city_from_its_settings(client, seeded):
    html = client.get(reverse("initiatives:plan_table", args=[5])).content.decode()
    assert "東大和市 情報化推進計画 進捗管理" in html and "東大和市 総務部 情報管理課" in html

    city = CitySettings.current()
    city.city, city.division = "青梅市", "企画部 デジタル推進課"
    city.save()

    html = client.get(reverse("initiatives:plan_table", args=[5])).content.decode()
    assert "青梅市 情報化推進計画 進捗管理" in html and "青梅市 企画部 デジタル推進課" in html
    assert "東大和市 総務部" not in html


def test_the_report_heads_the_committees_opinions_with_their_names(seeded, plan5, admin):
    cycle = cycle_in_state(plan5, 2023, admin, "本部会議審議済")
    cycle.committee_comment = "遅れに留意すること。"
    cycle.save()
    city = CitySettings.current()
    city.committee = "デジタル推進委員会"
    city.save()

    report = cycle_report(cycle)

    assert report["committee"]["name"] == "東大和市デジタル推進委員会"
    assert "東大和市デジタル推進委員会の意見" in report_html(report)


def test_a_report_frozen_before_the_names_were_in_it_takes_the_citys_names(seeded, plan5, admin):
    cycle = cycle_in_state(plan5, 2023, admin, "本部会議審議済")
    report = cycle_report(cycle)
    report["committee"] = {"date": "2023-06-01", "comment": "留意すること。"}  # as snapshots were frozen

    assert "東大和市情報システム委員会の意見" in report_html(report)


def test_the_published_list_says_who_deliberated_and_under_which_licence(client, seeded):
    html = client.get(reverse("published:list")).content.decode()

    assert "東大和市情報システム委員会及び東大和市情報システムマネジメント本部会議での審議の後に公開" in html
    assert 'href="https://creativecommons.org/licenses/by/4.0/deed.ja">CC BY 4.0</a>' in html


def test_reloading_the_seed_keeps_the_administrators_names(seeded):
    city = CitySettings.current()
    city.division = "総務部 DX推進課"
    city.save()

    call_command("load_seed", stdout=io.StringIO())

    assert CitySettings.current().division == "総務部 DX推進課"
    assert CitySettings.objects.count() == 1


def test_the_admin_edits_the_one_row_and_cannot_add_a_second(admin_client, seeded):
    assert admin_client.get(reverse("admin:plan_citysettings_add")).status_code == 403
    response = admin_client.post(
        reverse("admin:plan_citysettings_change", args=[1]),
        {
            "city": "東大和市",
            "division": "総務部 情報管理課",
            "committee": "情報システム委員会",
            "headquarters": "情報システムマネジメント本部会議",
            "open_data_licence": "CC BY 4.0",
            "open_data_licence_url": "https://creativecommons.org/licenses/by/4.0/",
        },
    )
    assert response.status_code == 302
    assert CitySettings.current().open_data_licence_url == "https://creativecommons.org/licenses/by/4.0/"


def test_the_open_data_licence_is_cc_by_4_0_until_the_city_chooses_another(db):
    CitySettings.objects.all().delete()

    city = CitySettings.current()

    assert city.open_data_licence == "CC BY 4.0"
    assert city.open_data_licence_url == "https://creativecommons.org/licenses/by/4.0/deed.ja"
