"""Log-in with the city's directory, against a real OpenLDAP server (tests/directory_server.py).

Staff log in on the ordinary log-in page with their directory account; the directory's groups give the
application's roles (LDAP_ROLE_GROUPS), again at every log-in; local accounts keep working; axes counts and
locks out directory log-ins too; and where the LDAP variables are unset, nothing of LDAP is even imported.
"""

import json
import os
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from playwright.sync_api import expect

from audit.models import AuditEvent, AuditKind
from config import directory as directory_config
from reviews.models import Role
from tests import directory_server
from tests.browser import log_in as browser_log_in
from tests.browser import shot
from tests.personas import make_user, open_cycle

LOGIN_URL = reverse("login")
BACKEND = "reviews.directory.DirectoryBackend"

USERS = [
    {"uid": "kanri-d", "sn": "管理", "given": "一郎", "mail": "kanri@city.example", "password": "pw-kanri-d"},
    {"uid": "joho-d", "sn": "情報", "given": "花子", "mail": "joho@city.example", "password": "pw-joho-d"},
    {"uid": "iin-d", "sn": "委員", "given": "次郎", "mail": "iin@city.example", "password": "pw-iin-d"},
    {"uid": "tanto-d", "sn": "担当", "given": "三郎", "mail": "tanto@city.example", "password": "pw-tanto-d"},
    {
        "uid": "shinjin",
        "sn": "新人",
        "given": "四郎",
        "mail": "shinjin@city.example",
        "password": "pw-shinjin",
    },
    {"uid": "honda", "sn": "本田", "given": "五月", "mail": "honda@city.example", "password": "pw-honda"},
    # The same user name as a local account of the application (the `local_namesake` fixture).
    {"uid": "local-kakari", "sn": "同名", "given": "六子", "mail": "dou@city.example", "password": "pw-dir"},
]
GROUPS = {
    "it-admins": ["kanri-d"],
    "joho": ["joho-d", "honda", "local-kakari"],
    "iinkai": ["iin-d"],
    "tantoka": ["tanto-d"],
    # A directory group the application gives no role for.
    "all-staff": ["kanri-d", "joho-d", "iin-d", "tanto-d", "shinjin", "honda"],
}


@pytest.fixture(scope="session")
def directory(tmp_path_factory):
    if not directory_server.installed():
        pytest.skip("Debian's slapd is not installed (make test-packages installs slapd and ldap-utils)")
    server = directory_server.DirectoryServer(tmp_path_factory.mktemp("slapd") / "server", USERS, GROUPS)
    server.start()
    yield server
    server.stop()


def use_directory(settings, environ):
    """The application as config/settings.py makes it where these LDAP_* variables are set."""
    for name, value in directory_config.directory_settings(environ).items():
        setattr(settings, name, value)
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, BACKEND]


@pytest.fixture
def ldap_on(settings, directory, db):
    use_directory(settings, directory.environment())
    return directory


@pytest.fixture
def cycle(plan5):
    return open_cycle(plan5, 2026, make_user("admin"))


def log_in(client, username, password):
    return client.post(LOGIN_URL, {"username": username, "password": password})


def directory_user(username):
    return get_user_model().objects.get(username=username)


def role_names(user):
    from reviews.roles import roles_of

    user = get_user_model().objects.get(pk=user.pk)  # without the roles cached on the instance
    return roles_of(user)


def test_the_role_names_of_ldap_role_groups_are_the_applications_roles():
    assert list(directory_config.ROLE_KEYS) == [value.removeprefix("role_") for value in Role.values]


def test_a_directory_clerk_logs_in_on_the_login_page_and_works_as_information_management_staff(
    client, ldap_on, cycle
):
    response = log_in(client, "joho-d", "pw-joho-d")
    assert response.status_code == 302 and response.url == reverse("reviews:cycle_list")

    user = directory_user("joho-d")
    assert (user.last_name, user.first_name, user.email) == ("情報", "花子", "joho@city.example")
    assert not user.has_usable_password()  # only the directory knows the password
    assert role_names(user) == {Role.STAFF}
    assert not user.is_staff and not user.is_superuser

    assert client.get(reverse("reviews:cycle_list")).status_code == 200
    assert client.get(reverse("reviews:worklist", args=[cycle.pk])).status_code == 200
    assert client.get(reverse("reviews:dashboard", args=[cycle.pk])).status_code == 200
    # Not an administrator's: opening a cycle, the admin site.
    assert client.post(reverse("reviews:cycle_create"), {"plan": cycle.plan_id}).status_code == 403
    assert client.get(reverse("admin:index")).status_code == 302

    login = AuditEvent.objects.get(kind=AuditKind.LOGIN, username="joho-d")
    assert login.user == user and login.ip_address == "127.0.0.1"
    assert "庁内のディレクトリで認証" in login.detail and "情報管理課 職員" in login.detail


def test_a_directory_administrator_gets_the_admin_site(client, ldap_on, cycle):
    assert log_in(client, "kanri-d", "pw-kanri-d").status_code == 302
    user = directory_user("kanri-d")
    assert role_names(user) == {Role.ADMIN}
    assert user.is_staff and not user.is_superuser
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:initiatives_initiative_import")).status_code == 200
    page = client.get(reverse("reviews:cycle_list")).content.decode()
    assert 'action="' + reverse("reviews:cycle_create") + '"' in page

    client.logout()
    assert log_in(client, "kanri-d", "pw-kanri-d").status_code == 302
    again = AuditEvent.objects.filter(kind=AuditKind.LOGIN, username="kanri-d").order_by("pk").last()
    assert role_names(user) == {Role.ADMIN} and "追加" not in again.detail and "削除" not in again.detail


def test_a_directory_committee_member_reads_but_does_not_open_cycles(client, ldap_on, cycle):
    assert log_in(client, "iin-d", "pw-iin-d").status_code == 302
    assert role_names(directory_user("iin-d")) == {Role.COMMITTEE}
    assert client.get(reverse("reviews:dashboard", args=[cycle.pk])).status_code == 200
    assert client.post(reverse("reviews:cycle_create"), {"plan": cycle.plan_id}).status_code == 403
    assert client.get(reverse("admin:index")).status_code == 302


def test_a_directory_department_editor_sees_the_survey_but_not_the_whole_dashboard(client, ldap_on, cycle):
    assert log_in(client, "tanto-d", "pw-tanto-d").status_code == 302
    assert role_names(directory_user("tanto-d")) == {Role.DEPARTMENT}
    assert client.get(reverse("reviews:worklist", args=[cycle.pk])).status_code == 200
    assert client.get(reverse("reviews:dashboard", args=[cycle.pk])).status_code == 403


def test_a_directory_user_in_no_mapped_group_has_no_role_and_is_told_so(client, ldap_on, cycle):
    response = log_in(client, "shinjin", "pw-shinjin")
    assert response.status_code == 302
    user = directory_user("shinjin")
    assert role_names(user) == set()

    landing = client.get(response.url)
    html = landing.content.decode()
    assert landing.status_code == 403
    assert "役割が割り当てられていません" in html and "ディレクトリのグループ" in html
    assert client.get(reverse("reviews:worklist", args=[cycle.pk])).status_code == 403
    assert client.get(reverse("reviews:entry", args=[cycle.pk, 1])).status_code == 403
    login = AuditEvent.objects.get(kind=AuditKind.LOGIN, username="shinjin")
    assert "役割：なし" in login.detail


def test_a_wrong_directory_password_is_refused_counted_and_locks_out(client, ldap_on, settings):
    settings.AXES_FAILURE_LIMIT = 3
    first = log_in(client, "joho-d", "wrong")
    assert first.status_code == 200
    assert "ユーザー名またはパスワードが違います" in first.content.decode()
    assert AccessAttempt.objects.get(username="joho-d").failures_since_start == 1
    assert AuditEvent.objects.filter(kind=AuditKind.LOGIN_FAILED, username="joho-d").count() == 1

    log_in(client, "joho-d", "wrong")
    assert log_in(client, "joho-d", "wrong").status_code == 429
    # The right directory password does not get past the lock either.
    locked = log_in(client, "joho-d", "pw-joho-d")
    assert locked.status_code == 429 and "ログインできません" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(kind=AuditKind.LOCKED_OUT, username="joho-d").exists()
    assert not get_user_model().objects.filter(username="joho-d").exists()


def test_a_name_the_directory_does_not_know_is_refused(client, ldap_on):
    assert log_in(client, "nobody", "pw").status_code == 200
    assert not get_user_model().objects.filter(username="nobody").exists()


def test_a_local_account_still_logs_in_beside_the_directory(client, ldap_on, cycle):
    local = make_user("staff", username="local-joho")
    assert log_in(client, "local-joho", "test-password").status_code == 302
    assert client.get(reverse("reviews:worklist", args=[cycle.pk])).status_code == 200
    assert role_names(local) == {Role.STAFF}
    assert AuditEvent.objects.get(kind=AuditKind.LOGIN, username="local-joho").detail == ""


@pytest.fixture
def local_namesake(db):
    return make_user("committee", username="local-kakari")


def test_a_directory_account_cannot_take_over_a_local_account_of_the_same_name(
    client, ldap_on, local_namesake
):
    assert log_in(client, "local-kakari", "pw-dir").status_code == 200
    local_namesake.refresh_from_db()
    assert local_namesake.has_usable_password() and local_namesake.check_password("test-password")
    assert role_names(local_namesake) == {Role.COMMITTEE}
    assert log_in(client, "local-kakari", "test-password").status_code == 302


def test_roles_follow_the_directory_at_each_log_in_and_a_role_granted_by_hand_goes(client, ldap_on):
    log_in(client, "honda", "pw-honda")
    honda = directory_user("honda")
    other = Group.objects.create(name="広報の回覧")
    honda.groups.add(Role.COMMITTEE.group(), other)  # an administrator, in the admin
    client.logout()

    assert log_in(client, "honda", "pw-honda").status_code == 302
    assert role_names(honda) == {Role.STAFF}
    assert other in honda.groups.all()  # not a role's group: the directory leaves it alone
    second = AuditEvent.objects.filter(kind=AuditKind.LOGIN, username="honda").order_by("pk").last()
    assert "削除：情報システム委員会 委員" in second.detail


def test_the_directory_copies_name_and_mail_at_each_log_in(client, ldap_on):
    log_in(client, "iin-d", "pw-iin-d")
    get_user_model().objects.filter(username="iin-d").update(email="old@example.jp", last_name="旧姓")
    client.logout()
    log_in(client, "iin-d", "pw-iin-d")
    user = directory_user("iin-d")
    assert (user.email, user.last_name) == ("iin@city.example", "委員")


def test_a_deactivated_directory_user_loses_the_session_and_cannot_log_in(client, ldap_on):
    log_in(client, "joho-d", "pw-joho-d")
    get_user_model().objects.filter(username="joho-d").update(is_active=False)
    assert client.get(reverse("reviews:cycle_list")).status_code == 302  # to the log-in page
    assert log_in(client, "joho-d", "pw-joho-d").status_code == 200


def test_the_directory_does_not_answer_and_the_log_in_fails_without_hanging(client, ldap_on, settings):
    settings.AUTH_LDAP_SERVER_URI = f"ldap://127.0.0.1:{directory_server.free_port()}"
    assert log_in(client, "joho-d", "pw-joho-d").status_code == 200
    assert (
        make_user("none", username="local-only")
        and log_in(client, "local-only", "test-password").status_code == 302
    )


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"LDAP_ROLE_GROUPS": "boss=cn=x,dc=city"}, "unknown role 'boss'"),
        ({"LDAP_ROLE_GROUPS": "staff"}, "item 1 ('staff') is not NAME=VALUE"),
        ({"LDAP_USER_SEARCH_BASE": ""}, "LDAP_USER_SEARCH_BASE must be set"),
        ({"LDAP_GROUP_SEARCH_BASE": ""}, "LDAP_GROUP_SEARCH_BASE must be set"),
        ({"LDAP_GROUP_TYPE": "msGroup"}, "unknown type 'msGroup'"),
        ({"LDAP_USER_ATTR_MAP": "phone=telephoneNumber"}, "unknown field phone"),
    ],
)
def test_a_mistake_in_the_variables_is_named_at_start(variables, message):
    environ = {**directory_server.DirectoryServer("/nonexistent", [], {}).environment(), **variables}
    with pytest.raises(ImproperlyConfigured, match=message.replace("(", r"\(").replace(")", r"\)")):
        directory_config.directory_settings(environ)


def test_active_directory_settings_use_its_group_type_and_filter():
    environ = {
        "LDAP_SERVER_URI": "ldap://dc1.city.example",
        "LDAP_USER_SEARCH_BASE": "ou=職員,dc=city,dc=example",
        "LDAP_USER_FILTER": "(sAMAccountName=%(user)s)",
        "LDAP_GROUP_SEARCH_BASE": "ou=groups,dc=city,dc=example",
        "LDAP_GROUP_TYPE": "nestedActiveDirectory",
        "LDAP_ROLE_GROUPS": "admin=CN=IT,OU=groups,DC=city,DC=example;admin=CN=CIO,OU=groups,DC=city,DC=example",
    }
    result = directory_config.directory_settings(environ)
    assert result["AUTH_LDAP_USER_SEARCH"].filterstr == "(sAMAccountName=%(user)s)"
    assert type(result["AUTH_LDAP_GROUP_TYPE"]).__name__ == "NestedActiveDirectoryGroupType"
    assert result["AUTH_LDAP_GROUP_SEARCH"].filterstr == "(objectClass=group)"
    assert result["LDAP_ROLE_GROUPS"] == {
        "admin": ["CN=IT,OU=groups,DC=city,DC=example", "CN=CIO,OU=groups,DC=city,DC=example"]
    }


STARTUP_PROBE = """
import json, sys
import django
django.setup()
import config.urls
from django.conf import settings
from django.contrib.auth import get_backends
get_backends()
print(json.dumps({"backends": settings.AUTHENTICATION_BACKENDS,
                  "imported": sorted(m for m in sys.modules if m.split(".")[0] in ("ldap", "django_auth_ldap"))}))
"""


def start_application(**variables):
    """A new process of the application with only these LDAP_* variables: what settings made of them."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("LDAP_")}
    environ.update(DJANGO_SETTINGS_MODULE="config.settings", **variables)
    result = subprocess.run(
        [sys.executable, "-c", STARTUP_PROBE],
        env=environ,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_ldap_variables_the_directory_is_not_even_imported():
    started = start_application()
    assert started["backends"] == [
        "axes.backends.AxesStandaloneBackend",
        "accounts.backends.CityModelBackend",
    ]
    assert started["imported"] == []


def test_with_ldap_variables_the_directory_backend_comes_after_the_local_accounts(directory):
    started = start_application(**directory.environment())
    assert started["backends"] == [
        "axes.backends.AxesStandaloneBackend",
        "accounts.backends.CityModelBackend",
        BACKEND,
    ]
    assert "django_auth_ldap" in started["imported"]


@pytest.fixture
def ldap_site(site, ldap_on):
    return site


@pytest.mark.browser
@pytest.mark.parametrize("width", [1366, 390])
def test_in_a_browser_directory_staff_log_in_and_a_user_without_a_role_is_told_why(page, ldap_site, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(ldap_site + "/accounts/login/")
    browser_log_in(page, "joho-d", "pw-joho-d")
    expect(page.get_by_role("heading", name="達成状況調査", exact=False).first).to_be_visible()
    expect(page.get_by_role("button", name="ログアウト（joho-d）")).to_be_visible()
    shot(page, f"ldap-staff-{width}")
    page.get_by_role("button", name="ログアウト（joho-d）").click()

    page.goto(ldap_site + "/accounts/login/")
    browser_log_in(page, "shinjin", "wrong-password")
    expect(page.get_by_role("alert")).to_contain_text("ユーザー名またはパスワードが違います")
    browser_log_in(page, "shinjin", "pw-shinjin")
    expect(page.get_by_role("heading", name="役割が割り当てられていません")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("ディレクトリのグループで決まり")
    shot(page, f"ldap-no-role-{width}")


def test_ldap_variables_without_the_ldap_extra_name_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "django_auth_ldap", None)  # as where `uv sync --extra ldap` was not run
    environ = directory_server.DirectoryServer("/nonexistent", [], {}).environment()
    with pytest.raises(ImproperlyConfigured, match="uv sync --extra ldap"):
        directory_config.directory_settings(environ)


def test_with_start_tls_and_the_citys_ca_the_password_goes_encrypted(client, directory, settings, db):
    use_directory(
        settings, directory.environment(LDAP_START_TLS="1", LDAP_CA_CERT_FILE=str(directory.ca_file))
    )
    assert log_in(client, "joho-d", "pw-joho-d").status_code == 302


def test_with_start_tls_a_server_certificate_of_an_unknown_ca_is_refused(client, directory, settings, db):
    use_directory(settings, directory.environment(LDAP_START_TLS="1"))  # the system's CAs only
    assert log_in(client, "joho-d", "pw-joho-d").status_code == 200
    assert not get_user_model().objects.filter(username="joho-d").exists()


def test_without_a_role_mapping_the_roles_are_given_by_hand_and_kept(client, directory, settings, db):
    use_directory(settings, directory.environment(LDAP_ROLE_GROUPS=""))
    log_in(client, "honda", "pw-honda")
    honda = directory_user("honda")
    assert role_names(honda) == set()
    told = client.get(reverse("reviews:cycle_list")).content.decode()
    assert "役割が割り当てられていません" in told and "ディレクトリのグループ" not in told
    honda.groups.add(Role.COMMITTEE.group())  # an administrator, in the admin
    client.logout()
    assert log_in(client, "honda", "pw-honda").status_code == 302
    assert role_names(honda) == {Role.COMMITTEE}
    last = AuditEvent.objects.filter(kind=AuditKind.LOGIN, username="honda").order_by("pk").last()
    assert last.detail == "庁内のディレクトリで認証（役割は管理画面で割り当て）"


def test_the_no_role_page_costs_a_fixed_number_of_queries(client, ldap_on, django_assert_num_queries):
    log_in(client, "shinjin", "pw-shinjin")
    # The session, the user, its roles, the audit trail's row, the city's settings, the unread notices.
    with django_assert_num_queries(6):
        assert client.get(reverse("reviews:cycle_list")).status_code == 403


def test_a_local_account_whose_password_login_is_switched_off_moves_to_the_directory(
    client, ldap_on, local_namesake
):
    local_namesake.set_unusable_password()  # the admin's 「パスワードによる認証」: 無効
    local_namesake.save()
    assert log_in(client, "local-kakari", "pw-dir").status_code == 302
    assert role_names(local_namesake) == {Role.STAFF}  # the directory's groups, no longer the hand-given 委員
