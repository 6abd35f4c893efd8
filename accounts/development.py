"""Development accounts: the accounts create_dev_users makes, whose passwords the README publishes.

They are marked twice, so that neither mark alone has to hold: they belong to the group DEVELOPMENT_GROUP
(checked on every request, also for a session that already exists), and their published passwords are
known here (checked at log-in, so an account made before the group existed, or taken out of the group, is
still refused while its password is the published one). A real user name such as "admin" is not refused for
its name: a city administrator may well be called that.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef

DEVELOPMENT_GROUP = "開発用アカウント"

# user name → the password create_dev_users gives it and the README prints.
DEVELOPMENT_PASSWORDS = {
    "admin": "admin-dev-password",
    "staff": "staff-dev-password",
    "dept": "dept-dev-password",
    "committee": "committee-dev-password",
}


def development_accounts_can_log_in():
    return settings.DEVELOPMENT_ACCOUNTS_CAN_LOG_IN


def with_development_mark(users):
    return users.annotate(
        in_development_group=Exists(Group.objects.filter(name=DEVELOPMENT_GROUP, user=OuterRef("pk")))
    )


def is_development_account(user):
    marked = getattr(user, "in_development_group", None)
    if marked is None:
        marked = user.groups.filter(name=DEVELOPMENT_GROUP).exists()
    return marked


def are_development_credentials(username, password):
    return username in DEVELOPMENT_PASSWORDS and password == DEVELOPMENT_PASSWORDS[username]
