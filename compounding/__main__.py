"""``python -m compounding``: the same as the ``compounding`` command."""

from compounding.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
