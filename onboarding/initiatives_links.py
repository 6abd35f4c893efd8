"""Which department runs each initiative, and which items of the previous plan each initiative continues.

Both only ever touch existing initiatives, found by 計画 (its ordinal) and 項番: an unknown one is an error in
its row, and neither creates nor renames an initiative (個別計画名 is shown for checking, never read).

Carry-over links are added, never removed: a file lists links to make, and a link already there is 変更なし.
Taking a link away is done in the initiative's admin form, where the person sees what they take away.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import widgets
from import_export.fields import Field
from import_export.instance_loaders import BaseInstanceLoader

from initiatives.models import Department, Initiative
from onboarding.resources import CityResource, ClerkWorded, plain_text
from workbooks import positive_number


def find_initiative(ordinal_text, number_text, what):
    ordinal, number = positive_number(ordinal_text), positive_number(number_text)
    if ordinal is None or number is None:
        raise ValidationError(_("%(what)sの計画（次数）と項番を数字で書いてください。") % {"what": what})
    found = Initiative.objects.select_related("plan").filter(plan__ordinal=ordinal, number=number).first()
    if found is None:
        raise ValidationError(
            _("%(what)s：第%(ordinal)s次計画に項番%(number)sの個別計画はありません。")
            % {"what": what, "ordinal": ordinal, "number": number}
        )
    return found


class DepartmentByName(ClerkWorded, widgets.ForeignKeyWidget):
    def __init__(self):
        super().__init__(Department, field="name")

    def clean(self, value, row=None, **kwargs):
        name = plain_text(value)
        if not name:
            return None
        department = Department.objects.filter(name=name).first()
        if department is None:
            raise ValueError(
                _("担当課「%(name)s」がありません。先に担当課を登録してください。") % {"name": name}
            )
        return department


class ExistingInitiativeLoader(BaseInstanceLoader):
    """An initiative of the file's 計画 and 項番 must exist: this import never makes one."""

    def get_instance(self, row):
        columns = self.resource.key_columns
        try:
            return find_initiative(row.get(columns[0]), row.get(columns[1]), _("個別計画"))
        except ValidationError:
            return None


class InitiativeDepartmentResource(CityResource):
    plan = Field(attribute="plan__ordinal", column_name=gettext_lazy("計画（次数）"), readonly=True)
    number = Field(attribute="number", column_name=gettext_lazy("項番"), readonly=True)
    name = Field(attribute="name", column_name=gettext_lazy("個別計画名（確認用）"), readonly=True)
    department = Field(attribute="department", column_name=gettext_lazy("担当課"), widget=DepartmentByName())

    key_columns = (gettext_lazy("計画（次数）"), gettext_lazy("項番"))

    class Meta:
        model = Initiative
        name = gettext_lazy("個別計画の担当課")
        fields = ["plan", "number", "name", "department"]
        import_id_fields = ["plan", "number"]
        export_order = ["plan", "number", "name", "department"]
        instance_loader_class = ExistingInitiativeLoader

    def get_required_columns(self):
        return [str(c) for c in self.key_columns] + [str(self.fields["department"].column_name)]

    def init_instance(self, row=None):
        columns = [str(c) for c in self.key_columns]
        find_initiative(row.get(columns[0]), row.get(columns[1]), _("個別計画"))  # raises: it does not exist
        raise ValidationError(_("個別計画がありません。"))

    def get_queryset(self):
        return Initiative.objects.select_related("plan", "department").order_by("plan__ordinal", "number")

    def before_save_instance(self, instance, row, **kwargs):
        instance._change_reason = _("一括取込で担当課を変更")

    def do_instance_save(self, instance, is_create):
        instance.save(update_fields=["department"])


PREVIOUS = (gettext_lazy("前計画（次数）"), gettext_lazy("前計画の項番"))
NEXT = (gettext_lazy("次の計画（次数）"), gettext_lazy("次の計画の項番"))


class NextInitiativeLoader(BaseInstanceLoader):
    def get_instance(self, row):
        try:
            return find_initiative(row.get(str(NEXT[0])), row.get(str(NEXT[1])), _("次の計画"))
        except ValidationError:
            return None


class CarryOverResource(CityResource):
    """One row per link: the previous plan's item (前計画) that the next plan's initiative (次の計画) continues."""

    previous_plan = Field(column_name=PREVIOUS[0], readonly=True)
    previous_number = Field(column_name=PREVIOUS[1], readonly=True)
    next_plan = Field(attribute="plan__ordinal", column_name=NEXT[0], readonly=True)
    next_number = Field(attribute="number", column_name=NEXT[1], readonly=True)
    names = Field(column_name=gettext_lazy("個別計画名（確認用）"), readonly=True)

    class Meta:
        model = Initiative
        name = gettext_lazy("計画間の継続（継続元）")
        fields = ["previous_plan", "previous_number", "next_plan", "next_number", "names"]
        import_id_fields = ["next_plan", "next_number"]
        export_order = ["previous_plan", "previous_number", "next_plan", "next_number", "names"]
        instance_loader_class = NextInitiativeLoader

    def get_required_columns(self):
        return [str(c) for c in (*PREVIOUS, *NEXT)]

    def init_instance(self, row=None):
        find_initiative(row.get(str(NEXT[0])), row.get(str(NEXT[1])), _("次の計画"))
        raise ValidationError(_("次の計画の個別計画がありません。"))

    def import_instance(self, instance, row, **kwargs):
        previous = find_initiative(row.get(str(PREVIOUS[0])), row.get(str(PREVIOUS[1])), _("前計画"))
        if previous.plan_id != instance.plan.predecessor_id:
            raise ValidationError(
                _("前計画の項目は、次の計画（第%(ordinal)s次）の前の計画の項目にしてください。")
                % {"ordinal": instance.plan.ordinal}
            )
        instance.carry_from = previous

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors:
            return False
        return instance.carried_from.filter(pk=instance.carry_from.pk).exists()

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # Nothing of the initiative itself changes: only the link, checked in import_instance.
        if import_validation_errors:
            raise ValidationError(import_validation_errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        instance.carried_from.add(instance.carry_from)
        # The link is recorded in the initiative's own history: who added it, when, and which item.
        instance._change_reason = _("一括取込で継続元を追加: %(item)s") % {"item": instance.carry_from}
        instance.save()

    def save_m2m(self, instance, row, **kwargs):
        pass

    def dehydrate_previous_plan(self, instance):
        link = getattr(instance, "carry_from", None)
        return link.plan.ordinal if link else ""

    def dehydrate_previous_number(self, instance):
        link = getattr(instance, "carry_from", None)
        return link.number if link else ""

    def dehydrate_names(self, instance):
        link = getattr(instance, "carry_from", None)
        return f"{link.name} → {instance.name}" if link else instance.name

    def get_queryset(self):
        return Initiative.objects.filter(carried_from__isnull=False).distinct()

    def export(self, queryset=None, **kwargs):
        """A row per link of the initiatives exported (an initiative continuing two items has two rows)."""
        import tablib

        queryset = self.get_queryset() if queryset is None else queryset
        links = (
            Initiative.carried_from.through.objects.filter(from_initiative__in=queryset.values("pk"))
            .select_related("from_initiative__plan", "to_initiative__plan")
            .order_by("from_initiative__plan__ordinal", "from_initiative__number", "to_initiative__number")
        )
        dataset = tablib.Dataset(headers=self.get_export_headers())
        for link in links:
            item = link.from_initiative
            item.carry_from = link.to_initiative
            dataset.append([str(v) if v != "" else "" for v in self.export_resource(item)])
        return dataset
