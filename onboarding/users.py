"""Users: user name, 氏名, mail, roles and departments, active. Never a password.

Roles are written in the city's words: the name of the role's group (システム管理者, 情報管理課, 担当課, 委員, as
an administrator may have renamed them) or the role's own name (「情報管理課 職員」). The cell is the user's
whole set of roles; groups that hold no role are left as they are. 氏名 is one cell, kept as Django's first
name (last_name is emptied), which is how the application shows a person. A new user has no usable password:
where the city's mail server is configured (PASSWORD_RESET_ENABLED) they get a mail with a link to set one
(send_password_links), otherwise the administrator sets it in the user's admin page.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sites.shortcuts import get_current_site
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.fields import Field

from initiatives.models import Department
from onboarding.resources import CityResource, NamesWidget, TextWidget, YesNoWidget, split_names
from reviews.models import Role

User = get_user_model()


def role_groups():
    """{role: its group} for the roles that have one."""
    groups = {}
    for role in Role:
        group = role.group()
        if group is not None:
            groups[role] = group
    return groups


class RolesWidget(NamesWidget):
    def __init__(self):
        super().__init__(Group, field="name", what=gettext_lazy("役割"))

    def clean(self, value, row=None, **kwargs):
        groups = role_groups()
        by_word = {}
        for role, group in groups.items():
            by_word[group.name] = group
            by_word[str(role.label)] = group
            with translation.override("ja"):  # the role's Japanese name reads in any language
                by_word[str(role.label)] = group
        chosen, unknown = [], []
        for word in split_names(value):
            (chosen.append(by_word[word]) if word in by_word else unknown.append(word))
        if unknown:
            raise ValueError(
                _("役割「%(names)s」はありません（%(words)s）。")
                % {"names": "、".join(unknown), "words": "、".join(g.name for g in groups.values())}
            )
        return list(dict.fromkeys(chosen))

    def render(self, value, obj=None, **kwargs):
        return self.separator.join(g.name for g in value.all()) if value is not None else ""


class RolesField(Field):
    """The user's role groups only: saving sets those and leaves any other group alone."""

    def get_value(self, instance):
        if instance.pk is None:
            return None
        return instance.groups.filter(pk__in=[g.pk for g in role_groups().values()]).order_by("pk")

    def save(self, instance, row, is_m2m=False, **kwargs):
        chosen = self.clean(row, **kwargs)
        role_ids = {g.pk for g in role_groups().values()}
        others = [g for g in instance.groups.all() if g.pk not in role_ids]
        instance.groups.set([*others, *chosen])


class UserResource(CityResource):
    username = Field(attribute="username", column_name=gettext_lazy("ユーザー名"), widget=TextWidget())
    full_name = Field(attribute="first_name", column_name=gettext_lazy("氏名"), widget=TextWidget())
    email = Field(attribute="email", column_name=gettext_lazy("メールアドレス"), widget=TextWidget())
    roles = RolesField(attribute="groups", column_name=gettext_lazy("役割"), widget=RolesWidget())
    departments = Field(
        attribute="departments",
        column_name=gettext_lazy("担当課"),
        widget=NamesWidget(Department, field="name", what=gettext_lazy("担当課")),
    )
    is_active = Field(attribute="is_active", column_name=gettext_lazy("有効"), widget=YesNoWidget())

    class Meta:
        model = User
        name = gettext_lazy("利用者")
        fields = ["username", "full_name", "email", "roles", "departments", "is_active"]
        import_id_fields = ["username"]
        export_order = ["username", "full_name", "email", "roles", "departments", "is_active"]

    def get_queryset(self):
        return User.objects.prefetch_related("groups", "departments").order_by("username")

    def after_init_instance(self, instance, new, row, **kwargs):
        if new:
            instance.set_unusable_password()  # no password ever travels in a file

    def before_save_instance(self, instance, row, **kwargs):
        instance.last_name = ""

    def after_save_instance(self, instance, row, **kwargs):
        # The admin site is for the administrators: the システム管理者 role opens it, taking the role away closes it.
        chosen = self.fields["roles"].clean(row)
        admin_group = role_groups().get(Role.ADMIN)
        is_admin = admin_group is not None and admin_group in chosen
        if not instance.is_superuser and instance.is_staff != is_admin:
            instance.is_staff = is_admin
            instance.save(update_fields=["is_staff"])


def send_password_links(request, users):
    """Mail each new user a link to set their password (Django's password-reset token), where mail exists.

    Returns the users mailed; without a mail server, or for a user without an address, nobody is mailed.
    """
    if not settings.PASSWORD_RESET_ENABLED:
        return []
    mailed = []
    for user in users:
        if not user.email or not user.is_active:
            continue
        form = PasswordResetForm({"email": user.email})
        # PasswordResetForm.save() skips accounts with an unusable password, which a new account is: its mail
        # is sent directly, with the same token and templates as the reset page.
        site = get_current_site(request)
        context = {
            "email": user.email,
            "domain": site.domain,
            "site_name": site.name,
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "user": user,
            "token": default_token_generator.make_token(user),
            "protocol": "https" if request.is_secure() else "http",
        }
        form.send_mail(
            "registration/password_reset_subject.txt",
            "registration/password_reset_email.html",
            context,
            settings.DEFAULT_FROM_EMAIL,
            user.email,
        )
        mailed.append(user)
    return mailed
