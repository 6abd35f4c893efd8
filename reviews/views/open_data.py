"""What a data portal harvests, without login: the JSON Schemas of the open data, the catalogue of the
datasets and the feed of publications. Only what is published appears."""

import json

from django.http import Http404, HttpResponse

from initiatives.open_data_schema import SCHEMA_CONTENT_TYPE, SCHEMAS, schema
from reviews.catalog import CONTENT_TYPE as CATALOG_CONTENT_TYPE
from reviews.catalog import catalog
from reviews.feed import publications_feed as feed_of


def open_data_schema(request, name):
    if name not in SCHEMAS:
        raise Http404
    body = json.dumps(schema(name), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type=f"{SCHEMA_CONTENT_TYPE}; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return response


def publications_feed(request):
    feed = feed_of(request.build_absolute_uri, request.get_host().split(":")[0])
    return HttpResponse(feed.writeString("utf-8"), content_type="application/atom+xml; charset=utf-8")


def open_data_catalog(request):
    document = catalog(request.build_absolute_uri)
    body = json.dumps(document, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type=f"{CATALOG_CONTENT_TYPE}; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return response
