"""The Atom feed of publications: one entry per published report, with its files as enclosures, so that a
portal or a reader learns of a new report without looking."""

from collections import defaultdict

from django.conf import settings
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed, Enclosure
from django.utils.translation import gettext as _

from plan.models import CitySettings
from reviews import report_files
from reviews.models import Publication, PublishedFile


def published_files():
    """{publication id: [(format, size in bytes)]} of every published file, without reading the contents."""
    files = defaultdict(list)
    rows = PublishedFile.objects.annotate(size=Length("content")).values_list(
        "publication_id", "format", "size"
    )
    for publication_id, fmt, size in rows.order_by("publication_id", "format"):
        files[publication_id].append((fmt, size))
    return files


def tag_uri(publication, host):
    """A stable id (RFC 4151): the host and the day of publication, and which plan and year it reports on,
    none of which change once published."""
    day = publication.published_at.date().isoformat()
    return f"tag:{host},{day}:published/{publication.cycle.plan.ordinal}/{publication.cycle.fiscal_year}"


def publications_feed(absolute, host):
    """absolute(path) makes a path an absolute URL; host names the site in each entry's tag id."""
    # The city's feed, in Japanese whoever asks for it: it says language="ja".
    with translation.override(settings.LANGUAGE_CODE):
        return _publications_feed(absolute, host)


def _publications_feed(absolute, host):
    city = CitySettings.current()
    publications = list(Publication.objects.for_public_list())
    feed = Atom1Feed(
        title=f"{city.city} {_('情報化推進計画 進捗状況報告')}".strip(),
        link=absolute(reverse("published:list")),
        description=_("公開した進捗状況報告とそのファイル"),
        language="ja",
        author_name=city.city or None,
        feed_url=absolute(reverse("published:feed")),
        feed_copyright=city.open_data_licence or None,
    )
    files = published_files()
    for publication in publications:
        ordinal, year = publication.cycle.plan.ordinal, publication.cycle.fiscal_year
        feed.add_item(
            title=publication.title,
            link=absolute(reverse("published:report", args=[ordinal, year])),
            description=publication.title,
            unique_id=tag_uri(publication, host),
            pubdate=publication.published_at,
            updateddate=publication.published_at,
            enclosures=[
                Enclosure(
                    absolute(reverse("published:file", args=[ordinal, year, fmt])),
                    str(size),
                    report_files.FORMATS[fmt].split(";")[0],
                )
                for fmt, size in files[publication.pk]
            ],
        )
    return feed
