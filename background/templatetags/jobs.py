from django import template
from django.utils.translation import gettext

register = template.Library()


@register.filter
def job_text(text, job):
    """A job's stored source text (label, step, message, a link's label) in the reader's language."""
    if not text:
        return ""
    translated = gettext(text)
    try:
        return translated % job.args if job.args else translated
    except (KeyError, TypeError, ValueError):  # a translation that lost a value: the source text, whole
        return text % job.args if job.args else text
