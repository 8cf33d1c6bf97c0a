"""The domain core imports neither Flask nor reportlab, and builds one unit registry."""

from __future__ import annotations

import subprocess
import sys


def test_core_imports_no_web_or_pdf():
    code = ("import sys, compounding; from compounding import plan_order; "
            "bad = [m for m in ('flask', 'reportlab', 'werkzeug', 'sqlalchemy', 'waitress') if m in sys.modules]; "
            "print(','.join(bad))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == ""


def test_one_registry():
    import pint

    from compounding import units

    assert isinstance(units.ureg, pint.UnitRegistry)
    assert units.Q_ is units.ureg.Quantity
