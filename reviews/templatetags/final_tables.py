from django import template

from reviews.final import plans_with_final_table

register = template.Library()


@register.simple_tag(name="plans_with_final_table")
def final_table_plans():
    return list(plans_with_final_table().order_by("-ordinal"))
