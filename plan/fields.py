"""Free text with a limit: every long text a clerk types or imports is bounded, with a message naming it.

The longest text in the plan document is a few hundred characters (第五次計画の目的, about 430); the limit
is ten times that and more, so no real entry meets it, while a pasted megabyte is refused.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

LONG_TEXT_MAX_LENGTH = 5000


class TextLengthValidator(MaxLengthValidator):
    message = _("%(field)sは%(limit_value)d文字以内にしてください（%(show_value)d文字あります）。")

    def __init__(self, limit_value, field_label):
        super().__init__(limit_value)
        self.field_label = field_label

    def __call__(self, value):
        length = self.clean(value)
        if self.compare(length, self.limit_value):
            params = {"field": self.field_label, "limit_value": self.limit_value, "show_value": length}
            raise ValidationError(self.message, code=self.code, params=params)

    def __eq__(self, other):
        return super().__eq__(other) and self.field_label == getattr(other, "field_label", None)


class LimitedTextField(models.TextField):
    """A TextField whose max_length holds in the model's validation and its forms, not only in the widget."""

    def __init__(self, *args, max_length=LONG_TEXT_MAX_LENGTH, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)

    @property
    def validators(self):
        return [*super().validators, TextLengthValidator(self.max_length, self.verbose_name)]

    def formfield(self, **kwargs):
        field = super().formfield(**kwargs)
        limit_form_field(field, self.verbose_name)
        return field


def limit_form_field(field, label=None):
    """Give a form's text field the named message, and no maxlength attribute: a browser would cut a pasted
    text silently at the limit, where the message says what was too long and keeps the whole input."""
    field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
    field.validators.append(TextLengthValidator(field.max_length, label or field.label))
    field.widget.attrs.pop("maxlength", None)
    return field


class LimitedTextFormField(forms.CharField):
    """A form-only long text (a comment, a reason), bounded like LimitedTextField."""

    def __init__(self, *args, max_length=LONG_TEXT_MAX_LENGTH, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)
        limit_form_field(self)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs
