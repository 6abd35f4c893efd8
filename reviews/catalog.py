"""The data catalogue (DCAT-AP, JSON-LD): one dcat:Dataset per adopted plan and per published year, each
with a dcat:Distribution per file, as a CKAN portal (ckanext-dcat) harvests it. Nothing unpublished appears.

The @context is inline: the application runs in a closed network, and a harvester should not have to fetch
a context to read the catalogue either.
"""

from django.conf import settings
from django.db.models import Max
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from initiatives.models import Initiative
from initiatives.open_data_schema import schema_url
from plan.eras import fiscal_year_label
from plan.models import CitySettings, Plan
from reviews import report_files
from reviews.feed import published_files
from reviews.models import Publication
from workbooks import XLSX_CONTENT_TYPE

CONTENT_TYPE = "application/ld+json"

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcat:dataset": {"@container": "@set"},
    "dcat:distribution": {"@container": "@set"},
    "dcat:downloadURL": {"@type": "@id"},
    "dcat:accessURL": {"@type": "@id"},
    "dcat:mediaType": {"@type": "@id"},
    "dct:conformsTo": {"@type": "@id"},
    "dcat:landingPage": {"@type": "@id"},
    "dcat:byteSize": {"@type": "xsd:nonNegativeInteger"},
}

# The file formats as DCAT names them (dct:format) and their IANA media types (dcat:mediaType).
FORMAT_NAMES = {"html": "HTML", "pdf": "PDF", "xlsx": "XLSX", "csv": "CSV", "json": "JSON"}
PLAN_FORMATS = {"json": "application/json", "csv": "text/csv", "xlsx": XLSX_CONTENT_TYPE}


def _ja(text):
    return {"@value": text, "@language": "ja"}


def _date(value):
    return {"@value": value.isoformat(), "@type": "xsd:dateTime"}


def _distribution(url, fmt, media_type, licence, title, issued, modified, size=None, schema=None):
    distribution = {
        "@id": url,
        "@type": "dcat:Distribution",
        "dct:title": _ja(f"{title}（{FORMAT_NAMES[fmt]}）"),
        "dcat:accessURL": url,
        "dcat:downloadURL": url,
        "dct:format": FORMAT_NAMES[fmt],
        "dcat:mediaType": f"https://www.iana.org/assignments/media-types/{media_type}",
        "dct:issued": issued,
        "dct:modified": modified,
    }
    if licence:
        distribution["dct:license"] = licence
    if size is not None:
        distribution["dcat:byteSize"] = size
    if schema:
        distribution["dct:conformsTo"] = schema
    return distribution


def _licence(city):
    if not city.open_data_licence_url:
        return (
            {"@type": "dct:LicenseDocument", "rdfs:label": city.open_data_licence}
            if city.open_data_licence
            else None
        )
    return {
        "@id": city.open_data_licence_url,
        "@type": "dct:LicenseDocument",
        "rdfs:label": city.open_data_licence,
    }


def catalog(absolute=None):
    """The catalogue as a JSON-LD document. absolute(path) makes a path an absolute URL (SITE_URL's by
    default)."""
    # The city's document, in Japanese whoever asks for it: its texts are tagged @language ja.
    with translation.override(settings.LANGUAGE_CODE):
        return _catalog(absolute)


def _catalog(absolute):
    absolute = absolute or (lambda path: settings.SITE_URL.rstrip("/") + path)
    city = CitySettings.current()
    licence = _licence(city)
    publisher = {"@type": "foaf:Agent", "foaf:name": _ja(city.city)} if city.city else None
    plans = list(
        Plan.objects.filter(initiatives__isnull=False).exclude(adopted="").distinct().order_by("ordinal")
    )
    # The last change to a plan's initiatives: when its open data last changed.
    changed = dict(
        Initiative.history.values("plan_id").annotate(last=Max("history_date")).values_list("plan_id", "last")
    )
    publications = list(
        Publication.objects.for_public_list().order_by("cycle__plan__ordinal", "cycle__fiscal_year")
    )
    files = published_files()
    datasets = []
    for plan in plans:
        url = absolute(reverse("initiatives:plan_table", args=[plan.ordinal]))
        issued = (
            f"{plan.adopted_year:04d}-{plan.adopted_month:02d}"
            if plan.adopted_year and plan.adopted_month
            else None
        )
        modified = _date(changed[plan.pk]) if plan.pk in changed else None
        dates = {
            "issued": {"@value": issued, "@type": "xsd:gYearMonth"} if issued else modified,
            "modified": modified or ({"@value": issued, "@type": "xsd:gYearMonth"} if issued else None),
        }
        title = plan.title
        datasets.append(
            _dataset(
                url,
                title,
                _("%(title)sの個別計画、年次計画、目標と指標（策定: %(adopted)s）")
                % {"title": plan.title, "adopted": plan.adopted},
                dates,
                publisher,
                [
                    _distribution(
                        absolute(reverse("initiatives:download", args=[plan.ordinal, fmt])),
                        fmt,
                        media_type,
                        licence,
                        title,
                        dates["issued"],
                        dates["modified"],
                        schema=schema_url("plan-v1") if fmt == "json" else None,
                    )
                    for fmt, media_type in PLAN_FORMATS.items()
                ],
                licence,
            )
        )
    for publication in publications:
        ordinal, year = publication.cycle.plan.ordinal, publication.cycle.fiscal_year
        url = absolute(reverse("published:report", args=[ordinal, year]))
        published = _date(publication.published_at)
        dates = {"issued": published, "modified": published}  # a publication is frozen
        title = publication.title
        datasets.append(
            _dataset(
                url,
                title,
                _("%(plan)sの%(year)sの達成状況調査の結果（進捗状況報告）")
                % {"plan": publication.cycle.plan.title, "year": fiscal_year_label(year)},
                dates,
                publisher,
                [
                    _distribution(
                        absolute(reverse("published:file", args=[ordinal, year, fmt])),
                        fmt,
                        report_files.FORMATS[fmt].split(";")[0],
                        licence,
                        title,
                        published,
                        published,
                        size=size,
                        schema=schema_url("published-v1") if fmt == "json" else None,
                    )
                    for fmt, size in files[publication.pk]
                ],
                licence,
            )
        )
    document = {
        "@context": CONTEXT,
        "@id": absolute(reverse("open_data_catalog")),
        "@type": "dcat:Catalog",
        "dct:title": _ja(f"{city.city} {_('情報化推進計画 オープンデータ')}".strip()),
        "dct:description": _ja(_("情報化推進計画と、公開した達成状況調査の結果のデータ")),
        "dcat:dataset": datasets,
    }
    if publisher:
        document["dct:publisher"] = publisher
    if licence:
        document["dct:license"] = licence
    return document


def _dataset(url, title, description, dates, publisher, distributions, licence):
    dataset = {
        "@id": url,
        "@type": "dcat:Dataset",
        "dct:title": _ja(title),
        "dct:description": _ja(description),
        "dcat:landingPage": url,
        "dct:language": {"@id": "http://publications.europa.eu/resource/authority/language/JPN"},
        "dcat:distribution": distributions,
    }
    for key in ("issued", "modified"):
        if dates[key]:
            dataset[f"dct:{key}"] = dates[key]
    if publisher:
        dataset["dct:publisher"] = publisher
    return dataset
