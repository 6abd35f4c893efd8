from django import template
from django.utils.translation import gettext

from reviews.reports import behind_of, ratings_of

register = template.Library()


@register.simple_tag
def rating_name(report, field):
    """The name a report gives one of its ratings, in the reader's language where the catalogue knows it: the
    fifth plan's names are the application's own words too."""
    return gettext(ratings_of(report)[field])


@register.filter
def behind_word(report):
    return behind_of(report)


@register.filter
def with_indicators(rows):
    """The report's rows that have indicators (a report made before indicators has none)."""
    return [row for row in rows if row.get("indicators")]
