"""担当課 and who works in them: one row per department, its members' user names in one cell.

Members are listed by user name, separated by 、 (or commas, or line breaks in the cell). The cell is the
department's whole membership: a name left out is taken out of the department (as the admin's form does).
"""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from import_export.fields import Field

from initiatives.models import Department
from onboarding.resources import CityResource, NamesWidget, TextWidget


class DepartmentResource(CityResource):
    name = Field(attribute="name", column_name=_("課名"), widget=TextWidget())
    members = Field(
        attribute="members",
        column_name=_("所属する利用者（ユーザー名）"),
        widget=NamesWidget(get_user_model(), field="username", what=_("利用者")),
    )

    class Meta(CityResource.Meta):
        model = Department
        name = _("担当課と所属する利用者")
        fields = ["name", "members"]
        import_id_fields = ["name"]
        export_order = ["name", "members"]

    def get_queryset(self):
        return Department.objects.prefetch_related("members").order_by("name")
