from django.utils.functional import SimpleLazyObject

from plan.models import CitySettings


def city(request):
    """The city's names for every page (base.html): read once per request, and only if a template uses them."""
    return {"city": SimpleLazyObject(CitySettings.current)}
