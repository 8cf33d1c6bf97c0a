"""The domain core imports neither Flask nor reportlab, and builds one unit registry."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.real_clock


def test_core_imports_no_web_or_pdf():
    forbidden = ("flask", "reportlab", "werkzeug", "sqlalchemy", "waitress")
    code = ("import sys, compounding; from compounding import plan_order; "
            f"print(','.join(m for m in {forbidden!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == ""


def test_one_registry_built_on_demand():
    import pint

    from compounding import units

    assert isinstance(units.registry(), pint.UnitRegistry)
    assert units.registry() is units.registry()


def test_reading_an_order_imports_no_pint():
    # pint (and numpy behind it) costs 0.3 s of start-up; the closed grammar needs neither
    code = ("import sys; from compounding import plan_order; "
            "plan_order({'strength': '4.5 mg', 'quantity': 30, 'capsule': {'size': '3'}, "
            "'source': {'average_tablet_weight': '250 mg'}}); "
            "print('pint' in sys.modules, 'numpy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["False", "False"]
