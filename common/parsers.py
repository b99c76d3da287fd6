"""The API's body parsers: bad input is a 4xx problem, and every string is kept in one form.

JSON: read up to DATA_UPLOAD_MAX_MEMORY_SIZE (DECLARATION_JSON_MAX_BYTES for the declaration
endpoint's LargeJSONParser; a larger body is a 413), parsed without NaN or
Infinity; a syntax error or nesting deeper than common.text.MAX_INPUT_DEPTH is a short
/problems/malformed-request, not the parser's own text. Forms and multipart: Django's
limits (DATA_UPLOAD_MAX_NUMBER_FIELDS / _FILES) answer 413 through common.problems. Every
string of every body then passes common.text.text_walk (NFC; control and format characters
refused, naming the field).
"""

from __future__ import annotations

import io
import json

from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.settings import api_settings

from common.problems import MalformedRequest, PayloadTooLarge
from common.text import text_walk


class JsonNumber(float):
    """A JSON number with a fraction or an exponent, as float does, keeping the text it was written
    with: money fields refuse `2.9938e4` (common.money), which a float alone would not tell."""

    text: str

    def __new__(cls, text: str):
        number = super().__new__(cls, text)
        number.text = text
        return number


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


class JSONParser(parsers.JSONParser):
    #: The setting that holds this parser's limit in bytes.
    limit_setting = "DATA_UPLOAD_MAX_MEMORY_SIZE"

    def parse(self, stream, media_type=None, parser_context=None):
        limit = getattr(settings, self.limit_setting)
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise PayloadTooLarge(_("A JSON body is at most %(limit)s bytes.") % {"limit": limit})
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(raw.decode(encoding), parse_float=JsonNumber,
                              parse_constant=_refuse_constant if api_settings.STRICT_JSON else None)
        except RecursionError:
            raise MalformedRequest(_("The JSON body is nested too deeply.")) from None
        except (ValueError, UnicodeDecodeError):
            raise MalformedRequest(_("The body is not valid JSON.")) from None
        return text_walk(data)


class LargeJSONParser(JSONParser):
    """For the one endpoint that takes large bodies (a 100,000-row declaration). Its view calls
    `large_body_read` first: DRF reads a JSON body through Django's `request.body`, which holds
    every request to DATA_UPLOAD_MAX_MEMORY_SIZE."""

    limit_setting = "DECLARATION_JSON_MAX_BYTES"


def large_body_read(request, limit: int) -> None:
    """Read a JSON body of up to `limit` bytes into `request.body` (what Django's `body` does, with
    this view's limit instead of DATA_UPLOAD_MAX_MEMORY_SIZE). A larger body is left alone: Django
    and the parser answer it with a 413."""
    if request.method != "POST" or hasattr(request, "_body") or request._read_started:
        return
    if not (request.content_type or "").endswith("json"):
        return
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return
    if 0 < length <= limit:
        request._body = request.read()
        request._stream = io.BytesIO(request._body)


def _clean_query_dict(data: QueryDict) -> QueryDict:
    cleaned = QueryDict(mutable=True)
    for key, values in data.lists():
        walked = text_walk({key: values})
        for name, items in walked.items():
            cleaned.setlist(name, items)
    cleaned._mutable = False
    return cleaned


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return _clean_query_dict(super().parse(stream, media_type, parser_context))


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            result = super().parse(stream, media_type, parser_context)
        except parsers.ParseError:
            raise MalformedRequest(_("The multipart body could not be read.")) from None
        return parsers.DataAndFiles(_clean_query_dict(result.data), result.files)
