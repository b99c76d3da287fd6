"""The generated OpenAPI document, and its schemas as plain JSON Schema for validating examples."""

from __future__ import annotations

import copy

from drf_spectacular.generators import SchemaGenerator


def openapi_document() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def json_schema(schema: dict, document: dict) -> dict:
    """OpenAPI 3.0 schema -> JSON Schema: references inlined, `nullable` as a null alternative."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return json_schema(document["components"]["schemas"][name], document)
    out = {}
    for key, value in schema.items():
        if key in ("properties", "patternProperties"):
            out[key] = {name: json_schema(sub, document) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            out[key] = json_schema(value, document)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [json_schema(sub, document) for sub in value]
        elif key in ("nullable", "example", "readOnly", "writeOnly", "format"):
            continue
        else:
            out[key] = copy.deepcopy(value)
    if schema.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation
