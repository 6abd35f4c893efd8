from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from initiatives.models import actual_text
from plan.eras import fiscal_year_label
from plan.fields import LimitedTextFormField
from plan.models import Plan
from reviews import scales
from reviews.models import EntryEvent, ReviewCycle, StatusEntry


class CycleCreateForm(forms.Form):
    plan = forms.ModelChoiceField(label=_("計画"), queryset=Plan.objects.none(), empty_label=None)
    fiscal_year = forms.TypedChoiceField(label=_("調査する年度"), coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A draft of the next plan has no period yet (its last year is undecided): nothing to survey.
        plans = Plan.objects.filter(
            initiatives__isnull=False, first_fiscal_year__isnull=False, last_fiscal_year__isnull=False
        ).distinct()
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


class CycleStepForm(forms.Form):
    step = forms.ChoiceField(choices=[(s, s) for s in ReviewCycle.TRANSITIONS], widget=forms.HiddenInput)
    date = forms.DateField(label=_("審議日"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    comment = LimitedTextFormField(label=_("意見"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reason = LimitedTextFormField(label=_("理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class StatusEntryForm(forms.ModelForm):
    based_on_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    class Meta:
        model = StatusEntry
        # The actuals are one field per indicator of the initiative, added in __init__.
        fields = [f for f in StatusEntry.EDITABLE_FIELDS if f != "kpi_actuals"]
        widgets = {
            "actions": forms.Textarea(attrs={"rows": 5}),
            "issues": forms.Textarea(attrs={"rows": 3}),
            "progress_reason": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "progress_reason": _(
                "進捗の評価が、実施状況と年次計画を比べた結果と異なるときに、その理由を入力します。"
            ),
        }

    def __init__(self, *args, plan, proposals=None, indicators=(), fiscal_year=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        if not self.is_bound:
            self.initial["based_on_version"] = self.instance.version
        self.fields["stage_reached"] = forms.ChoiceField(
            label=self.fields["stage_reached"].label,
            choices=[("", "---------"), *((w, gettext(w)) for w in plan.reached_words)],
            required=False,
        )
        # The ratings offer the words of the plan's scales, under the plan's names for them.
        proposals = proposals or {}
        for name in scales.RATED_FIELDS:
            field = forms.ChoiceField(
                label=plan.rating_names[name],
                choices=[("", "---------"), *((w, gettext(w)) for w in scales.words(plan, name))],
                required=False,
                help_text=scales.proposal_help(plan.scale(name)),
            )
            field.proposal = proposals.get(name, "")
            self.fields[name] = field
        actuals = self.instance.kpi_actuals or {}
        for indicator in self.indicators:
            self.fields[indicator_field(indicator)] = forms.DecimalField(
                label=_("実績値（%(name)s）") % {"name": indicator.name},
                required=False,
                max_digits=14,
                decimal_places=2,
                help_text=indicator_help(indicator, fiscal_year),
                initial=actuals.get(indicator.key),
                widget=forms.NumberInput(attrs={"step": "any"}),
            )

    def cleaned_values(self):
        values = {name: self.cleaned_data[name] for name in self._meta.fields}
        # A patch of the indicators on the form: an empty field clears that indicator's actual.
        values["kpi_actuals"] = {
            i.key: None if (v := self.cleaned_data[indicator_field(i)]) is None else actual_text(v)
            for i in self.indicators
        }
        return values


def indicator_field(indicator):
    return f"kpi_{indicator.pk}"


def indicator_help(indicator, fiscal_year):
    """What the clerk measures against: the year's target, the baseline, and which way is better."""
    target = indicator.target_for(fiscal_year)
    parts = []
    if target is not None:
        parts.append(
            _("目標値 %(target)s%(unit)s（%(year)s）")
            % {"target": target, "unit": indicator.unit, "year": fiscal_year_label(fiscal_year)}
        )
    else:
        parts.append(_("この年度の目標値はありません"))
    if indicator.baseline is not None:
        year = f"、{fiscal_year_label(indicator.baseline_year)}" if indicator.baseline_year else ""
        parts.append(
            _("基準値 %(value)s%(unit)s%(year)s")
            % {"value": indicator.baseline, "unit": indicator.unit, "year": year}
        )
    parts.append(_("低いほどよい") if indicator.lower_is_better else _("高いほどよい"))
    return "／".join(str(p) for p in parts)


class SurveyUploadForm(forms.Form):
    # The department is only a number here: reviews.roles.get_department decides whether it may be used.
    department = forms.IntegerField(label=_("担当課"), widget=forms.Select)
    file = forms.FileField(
        label=_("記入した調査票（.xlsx）"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"})
    )

    def __init__(self, *args, departments=(), **kwargs):
        # The worklist's filter form has a 担当課 field too: keep the element ids apart.
        kwargs.setdefault("auto_id", "workbook-%s")
        super().__init__(*args, **kwargs)
        self.departments = list(departments)
        self.fields["department"].widget.choices = [(d.pk, d.name) for d in self.departments]


class SurveyConfirmForm(forms.Form):
    department = forms.IntegerField(widget=forms.HiddenInput)
    token = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput)
    file_name = forms.CharField(max_length=255, widget=forms.HiddenInput)
    # The 項番 the preview showed as changed: only these are written, and only if still as previewed.
    numbers = forms.RegexField(regex=r"^\d+(,\d+)*$", widget=forms.HiddenInput)
    submit = forms.BooleanField(
        label=_("保存した項目のうち、必要な項目がそろったものを提出する"), required=False, initial=True
    )

    def clean_numbers(self):
        return {int(n) for n in self.cleaned_data["numbers"].split(",")}


class EntryStepForm(forms.Form):
    """A step on an entry (reviews.workflow), taken on the version the user saw."""

    step = forms.ChoiceField(choices=[(k.value, k.label) for k in EntryEvent.Kind], widget=forms.HiddenInput)
    based_on_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    comment = LimitedTextFormField(
        label=_("コメント"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CycleScheduleForm(forms.ModelForm):
    class Meta:
        model = ReviewCycle
        fields = ["due_date", "committee_planned_date", "headquarters_planned_date"]
        widgets = {name: forms.DateInput(attrs={"type": "date"}) for name in fields}

    def clean(self):
        cleaned = super().clean()
        due, committee, headquarters = (
            cleaned.get("due_date"),
            cleaned.get("committee_planned_date"),
            cleaned.get("headquarters_planned_date"),
        )
        if due and committee and committee < due:
            self.add_error("committee_planned_date", _("委員会の開催予定日は提出期限より後にしてください。"))
        if committee and headquarters and headquarters < committee:
            self.add_error(
                "headquarters_planned_date", _("本部会議の開催予定日は委員会より後にしてください。")
            )
        return cleaned


class VersionCompareForm(forms.Form):
    """Two saved versions of an entry, by their numbers (StatusEntry.version), chosen from its history."""

    # Bounded by the column's own range: a larger number is no version, not a database error.
    old = forms.IntegerField(min_value=0, max_value=2**31 - 1)
    new = forms.IntegerField(min_value=0, max_value=2**31 - 1)


class InitiativeIdsField(forms.Field):
    """A list of initiative ids as the check boxes send them; which may be chosen is for the caller to say."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        try:
            return [int(v) for v in value or []]
        except (TypeError, ValueError):
            raise forms.ValidationError(_("選択された個別計画が正しくありません。"), code="invalid") from None


class NextPlanForm(forms.Form):
    """The initiatives to carry into the next plan's draft; reviews.next_plan says which are offered."""

    carry = InitiativeIdsField(required=False)
