from django import forms
from django.utils.translation import gettext_lazy as _

from plan.models import Plan


class PlanImportForm(forms.Form):
    plan = forms.ModelChoiceField(
        label=_("取り込む計画"),
        queryset=Plan.objects.order_by("-ordinal"),
        empty_label=None,
        help_text=_("ファイルの項番をこの計画の個別計画と照合します。"),
    )
    file = forms.FileField(
        label=_("計画表のファイル（.xlsx）"),
        help_text=_("本システムで書き出した xlsx、または計画書の表と同じ形の xlsx。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The plan being worked on now is the newest one that has initiatives.
        newest = Plan.objects.filter(initiatives__isnull=False).order_by("-ordinal").first()
        self.fields["plan"].initial = newest.pk if newest else None


class PlanImportConfirmForm(forms.Form):
    plan = forms.ModelChoiceField(queryset=Plan.objects.all(), widget=forms.HiddenInput)
    token = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput)
    file_name = forms.CharField(max_length=255, widget=forms.HiddenInput)
