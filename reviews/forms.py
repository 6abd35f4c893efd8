from django import forms
from django.utils.translation import gettext_lazy as _

from plan.eras import fiscal_year_label
from plan.models import Plan
from reviews.models import ReviewCycle, StatusEntry


class CycleCreateForm(forms.Form):
    plan = forms.ModelChoiceField(label=_("計画"), queryset=Plan.objects.none(), empty_label=None)
    fiscal_year = forms.TypedChoiceField(label=_("調査する年度"), coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plans = Plan.objects.filter(initiatives__isnull=False, first_fiscal_year__isnull=False).distinct()
        self.fields["plan"].queryset = plans.order_by("-ordinal")
        years = sorted({y for p in plans for y in p.fiscal_years}, reverse=True)
        self.fields["fiscal_year"].choices = [(y, fiscal_year_label(y)) for y in years]

    def clean(self):
        cleaned = super().clean()
        plan, year = cleaned.get("plan"), cleaned.get("fiscal_year")
        if plan and year:
            if year not in plan.fiscal_years:
                self.add_error("fiscal_year", _("この年度は選んだ計画の計画期間にありません。"))
            elif ReviewCycle.objects.filter(plan=plan, fiscal_year=year).exists():
                self.add_error("fiscal_year", _("この計画のこの年度の調査はすでにあります。"))
        return cleaned


class CycleActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ReviewCycle.TRANSITIONS], widget=forms.HiddenInput)
    date = forms.DateField(label=_("審議日"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    comment = forms.CharField(label=_("意見"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(label=_("理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class StatusEntryForm(forms.ModelForm):
    based_on_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    class Meta:
        model = StatusEntry
        fields = StatusEntry.EDITABLE_FIELDS
        widgets = {
            "actions": forms.Textarea(attrs={"rows": 5}),
            "issues": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "progress": _("空欄のまま保存すると、計画上の段階と実施状況から提案した値になります。"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["based_on_version"] = self.instance.version

    def cleaned_values(self):
        return {name: self.cleaned_data[name] for name in StatusEntry.EDITABLE_FIELDS}
