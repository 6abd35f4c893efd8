"""Log-in with the city's directory (django-auth-ldap), and the roles its groups give.

Only in AUTHENTICATION_BACKENDS where LDAP_SERVER_URI is set (config/directory.py builds the settings).

- A directory user is a user this backend made: it has no usable password here, so it can only log in
  through the directory. A local account (with a password of its own) of the same user name is never taken
  over by the directory: that log-in is refused and the local account keeps its own password.
- Where LDAP_ROLE_GROUPS maps groups to roles, the roles mirror the directory: at each log-in a directory user's role groups become exactly those that
  LDAP_ROLE_GROUPS maps its directory groups to, and access to the admin site (is_staff) goes with the
  administrator role. A role an administrator granted by hand in the admin is taken away at the user's next
  log-in (the audit trail's log-in row says so); the user's other groups and departments are left alone.
  Without LDAP_ROLE_GROUPS, administrators give directory users their roles by hand, as for local accounts.
- Name and mail are copied from the directory at each log-in (AUTH_LDAP_USER_ATTR_MAP).
"""

import logging

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import translation
from django_auth_ldap.backend import LDAPBackend

from accounts.backends import CityModelBackend
from reviews.models import Role

logger = logging.getLogger("reviews.directory")


def mapped_roles(group_dns):
    """The roles that the user's directory groups (DNs, any case) give."""
    member_of = {dn.lower() for dn in group_dns}
    return {
        Role(f"role_{key}")
        for key, dns in settings.LDAP_ROLE_GROUPS.items()
        if any(dn.lower() in member_of for dn in dns)
    }


def role_groups_of(user):
    """{role: the user's groups that hold it}."""
    held = {}
    grants = Group.permissions.through.objects.filter(
        group__user=user, permission__content_type__app_label="reviews", permission__codename__in=Role.values
    ).values_list("group_id", "permission__codename")
    for pk, codename in grants:
        held.setdefault(Role(codename), set()).add(pk)
    return held


def labels(roles):
    with translation.override(settings.LANGUAGE_CODE):
        return "、".join(str(role.label) for role in Role if role in roles) or "なし"


@transaction.atomic
def mirror_roles(user, wanted):
    """Give the user exactly the wanted roles; returns the audit trail's words for what changed."""
    held = role_groups_of(user)
    removed = set(held) - wanted
    added = wanted - set(held)
    user.groups.remove(*{pk for role in removed for pk in held[role]})
    for role in added:
        group = role.group()
        if group is None:  # an administrator deleted the role's group: nothing to give
            logger.warning("no group holds the role %s; not given to %s", role.value, user.get_username())
            continue
        user.groups.add(group)
    flags = {"is_staff": Role.ADMIN in wanted, "is_superuser": False}
    changed_flags = [name for name, value in flags.items() if getattr(user, name) != value]
    if changed_flags:
        for name in changed_flags:
            setattr(user, name, flags[name])
        user.save(update_fields=changed_flags)
    words = f"庁内のディレクトリで認証。役割：{labels(wanted)}"
    if added or removed:
        words += f"（ディレクトリのグループにより 追加：{labels(added)}、削除：{labels(removed)}）"
    return words


class DirectoryBackend(LDAPBackend):
    def get_or_build_user(self, username, ldap_user):
        user, built = super().get_or_build_user(username, ldap_user)
        if not built and user.has_usable_password():
            logger.warning("directory log-in refused: %s is a local account of this application", username)
            raise ldap_user.AuthenticationFailed("a local account has this user name")
        return user, built

    def authenticate_ldap_user(self, ldap_user, password):
        user = super().authenticate_ldap_user(ldap_user, password)
        if user is None or not user.is_active:
            return None
        # audit.receivers writes login_detail into the log-in's row of the audit trail.
        if not settings.LDAP_ROLE_GROUPS:
            # No mapping: the directory says who the user is, and administrators give the roles by hand.
            user.login_detail = "庁内のディレクトリで認証（役割は管理画面で割り当て）"
            return user
        user.login_detail = mirror_roles(user, mapped_roles(ldap_user.group_dns))
        return user

    def get_user(self, user_id):
        # A session's user is loaded as a local one is: an inactive user or a development account outside
        # development has no session (django-auth-ldap's own get_user checks neither).
        return CityModelBackend().get_user(user_id)
