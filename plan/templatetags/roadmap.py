from django import template
from django.utils.translation import gettext

register = template.Library()

# The styles of the roadmap's cells (static/css): the first stage and the ones after it.
STAGE_CLASSES = {1: "study", 2: "implement"}


@register.filter
def stage_class(word, plan):
    """The style of a roadmap cell of the plan's stage `word`: by the stage's place, not its word."""
    rank = plan.stage_rank(word)
    return STAGE_CLASSES.get(rank, "implement" if rank else "")


@register.filter
def quoted_stages(plan):
    """The plan's stage words as a legend prints them: 「検討」「実施」."""
    return "".join(f"「{word}」" for word in plan.stage_words)


@register.filter
def word(value):
    """A plan's word (a stage, 実施状況, a rating) in the reader's language where the catalogue knows it
    (plan/words.py); otherwise as the plan states it."""
    return gettext(value) if value else value
