"""The committee's dashboard of a review cycle, and the page of one initiative across the years."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from caching.pages import PUBLIC, SURVEY, cached_html
from plan.paging import page_number
from reviews import roles
from reviews.dashboard import dashboard_data
from reviews.initiative_record import initiative_data, initiative_queryset


@login_required
def dashboard(request, cycle_id):
    """The same for every reader (the dashboard is for those who read every entry), so from the cache while
    nothing in the plan or its surveys changes."""
    cycle = roles.get_cycle(request, cycle_id)
    roles.require(request, roles.can_read_all(request.user), "read dashboard")
    number = page_number(request)

    body = cached_html(
        "dashboard",
        [cycle.pk, number],
        "reviews/partials/dashboard_body.html",
        lambda: {"cycle": cycle, "plan": cycle.plan, **dashboard_data(cycle, number)},
        request,
        scopes=(PUBLIC, SURVEY),
    )
    return render(request, "reviews/dashboard.html", {"cycle": cycle, "body": body})


@login_required
def initiative(request, ordinal, number):
    roles.require(request, roles.can_read(request.user), "read reviews")
    found = get_object_or_404(initiative_queryset(), plan__ordinal=ordinal, number=number)
    roles.require(request, roles.can_read_initiative(request.user, found), f"initiative {ordinal}-{number}")
    return render(request, "reviews/initiative.html", initiative_data(found, request.user))
