from __future__ import annotations

import pytest

from compounding import OrderError, plan_order

from .helpers import assert_error_body


@pytest.fixture
def errors_of():
    """Plan an order that must fail; returns its errors after checking the one error shape."""

    def run(order):
        with pytest.raises(OrderError) as caught:
            plan_order(order)
        return assert_error_body(caught.value.to_json(), caught.value.status)

    return run
