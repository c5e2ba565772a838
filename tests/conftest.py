"""Fixtures shared by the test modules; the helpers behind them are in support.py."""
import pytest

from tests.support import DIALECTS


@pytest.fixture(params=DIALECTS)
def dialect(request) -> str:
    return request.param
