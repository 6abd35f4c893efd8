"""Publishing a review cycle: a frozen snapshot that anyone may read without logging in.

The city website lives outside the closed network, so publication is a set of self-contained files
(HTML, PDF, xlsx, CSV, JSON) that staff carry to the website's CMS, plus the public pages here.
"""

from initiatives.open_data import plan_to_dict
from reviews.models import Publication
from reviews.reports import cycle_report


def cycle_open_data(cycle, report):
    """The plan's open-data shape (initiatives/open_data.py) with this cycle's results as evaluations."""
    data = plan_to_dict(cycle.plan)
    by_number = {row["number"]: row for row in report["rows"]}
    for item in data["initiatives"]:
        row = by_number.get(item["number"])
        item["evaluations"] = (
            [
                {
                    "fiscal_year": cycle.fiscal_year,
                    "achievement": row["achievement"],
                    "direction": row["direction"],
                    "actions": row["actions"],
                }
            ]
            if row
            else []
        )
    return data


def freeze(cycle, user):
    """The snapshot taken as the cycle is published (reviews.cycles.take_action "publish")."""
    report = cycle_report(cycle)
    return Publication.objects.create(
        cycle=cycle, published_by=user, report=report, open_data=cycle_open_data(cycle, report)
    )
