"""Two views of the initiatives, each with its own bulk import in the admin (the plan table keeps the
initiative's own import): which department runs each, and which previous-plan items each continues."""

from django.utils.translation import gettext_lazy as _

from initiatives.models import Initiative


class InitiativeDepartment(Initiative):
    class Meta:
        proxy = True
        verbose_name = _("個別計画の担当課")
        verbose_name_plural = _("個別計画の担当課")


class CarryOver(Initiative):
    class Meta:
        proxy = True
        verbose_name = _("計画間の継続")
        verbose_name_plural = _("計画間の継続")
