"""``python -m conformance``: the ``opensim-conformance`` command."""

from conformance.cli import main

raise SystemExit(main())
