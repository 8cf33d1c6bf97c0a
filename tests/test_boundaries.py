"""The domain core imports neither Flask nor reportlab, and builds one unit registry."""

from __future__ import annotations

import subprocess
import sys


def test_core_imports_no_web_or_pdf():
    forbidden = ("flask", "reportlab", "werkzeug", "sqlalchemy", "waitress")
    code = ("import sys, compounding; from compounding import plan_order; "
            f"print(','.join(m for m in {forbidden!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == ""


def test_one_registry():
    import pint

    from compounding import units

    assert isinstance(units.ureg, pint.UnitRegistry)
    assert units.Q_ is units.ureg.Quantity
