from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"
    verbose_name = _("達成状況調査")

    def ready(self):
        post_migrate.connect(ensure_role_groups, sender=self)


def ensure_role_groups(**kwargs):
    """Each role is held by a group on every database: a new one gets a group per role under the city's
    name for it; a group renamed by an administrator keeps its role. Administrators may manage users and
    plan data, lift log-in lock-outs (axes), read the audit trail (which nobody may change) and the
    notifications sent; every role reads the draft of the next plan."""
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    from reviews.roles import Role

    view_draft = Permission.objects.get(content_type__app_label="plan", codename="view_draft_plan")
    for role in Role:
        permission = Permission.objects.get(content_type__app_label="reviews", codename=role.value)
        group = role.group()
        if group is None:
            group, _created = Group.objects.get_or_create(name=role.default_group_name)
            group.permissions.add(permission)
        group.permissions.add(view_draft)
        if role == Role.ADMIN:
            group.permissions.set(
                Permission.objects.filter(
                    Q(
                        content_type__app_label__in=[
                            "auth",
                            "axes",
                            "plan",
                            "initiatives",
                            "onboarding",
                            "reviews",
                        ]
                    )
                    | Q(content_type__app_label="audit", codename="view_auditevent")
                    # Who was told what (read only), and anyone's choice of e-mail.
                    | Q(
                        content_type__app_label="notifications",
                        codename__in=["view_notification", "view_preference", "change_preference"],
                    )
                ).exclude(codename__in=[r.value for r in Role if r != Role.ADMIN])
            )
