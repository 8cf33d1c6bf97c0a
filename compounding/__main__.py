"""``python -m compounding``: the same as the ``compounding`` command."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
