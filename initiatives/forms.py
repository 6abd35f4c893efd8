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


class ImportMappingForm(PlanImportConfirmForm):
    """What each column of an unknown layout holds: one choice per header, proposed from the header's text."""

    def __init__(self, *args, columns, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = columns
        for column in columns:
            label = f"{column['letter']}列「{column['header']}」"
            self.fields[f"col_{column['index']}"] = forms.ChoiceField(
                label=label,
                choices=choices,
                initial=column["proposed"],
                widget=forms.Select(attrs={"aria-label": label}),
            )

    def clean(self):
        cleaned = super().clean()
        targets = [cleaned.get(f"col_{c['index']}") for c in self.columns]
        for required, label in (("number", _("項番")), ("name", _("個別計画名（項目）"))):
            if targets.count(required) != 1:
                raise forms.ValidationError(
                    _("「%(label)s」の列をちょうど1つ選んでください。") % {"label": label}
                )
        chosen = [t for t in targets if t and t != "ignore"]
        doubled = sorted({t for t in chosen if chosen.count(t) > 1})
        if doubled:
            labels = dict(self.fields[f"col_{self.columns[0]['index']}"].choices)
            raise forms.ValidationError(
                _("同じ項目に2つの列を選んでいます: %(targets)s")
                % {"targets": "、".join(str(labels[t]) for t in doubled)}
            )
        return cleaned

    def mapping(self):
        """{compacted header: target} for the import profile."""
        return {c["key"]: self.cleaned_data[f"col_{c['index']}"] for c in self.columns}
