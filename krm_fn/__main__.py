"""``python -m krm_fn``: the same as the ``seq-fn`` command."""

from krm_fn.cli import main

raise SystemExit(main())
