"""A refused service call as a Chinese clerk reads it: the one shape the refusal tests compare."""

from __future__ import annotations

import pytest
from django.utils import translation

from common.problems import ApplicationError


def refused_in_chinese(call) -> tuple:
    """(status, type, detail, [(field, code, message)]) of the problem `call` raises, told in Chinese."""
    with translation.override("zh-hans"), pytest.raises(ApplicationError) as refused:
        call()
    problem = refused.value
    return (problem.status, problem.type_slug, problem.detail,
            [(e["field"], e["code"], e["message"]) for e in problem.errors])
