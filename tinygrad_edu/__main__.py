"""``python -m tinygrad_edu``: the same command line as ``tinygrad-edu`` (see :mod:`.cli`)."""

from .cli import main

raise SystemExit(main())
