"""The two regions the transfer and suspension tests move people between (transfers' own `region` builder:
an office, and reductions that need no confirmation), in place of tests/conftest.py's `shanghai`."""

import pytest

from tests.transfers.factories import region


@pytest.fixture
def shanghai():
    return region("310101", "黄浦区", "上海市")


@pytest.fixture
def beijing():
    return region("110105", "朝阳区", "北京市")
