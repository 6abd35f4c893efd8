from django import template

from plan.eras import fiscal_year_label, wareki

register = template.Library()

register.filter("fiscal_year", fiscal_year_label)
register.filter("wareki", wareki)
