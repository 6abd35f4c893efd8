"""Long lists in pages: the page asked for in ?page=, read the same way by every paged screen."""

from django.core.paginator import Paginator

# Beyond any real list; a larger number is read as the last page all the same.
LAST_PAGE_ASKED = 10_000


def page_number(request, name="page"):
    """The page asked for, as a number from 1: anything else (missing, text, 0) is the first page."""
    try:
        number = int(request.GET.get(name, "1"))
    except ValueError:
        return 1
    return min(max(number, 1), LAST_PAGE_ASKED)


def page_of(items, per_page, number):
    """That page of items (a queryset or a list); past the end, the last page. Its elided_range is the
    page numbers the pager (templates/partials/pager.html) shows: the ends, and two either side."""
    page = Paginator(items, per_page).get_page(number)
    page.elided_range = list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    return page
