"""seq-fn: make the containers of a Kubernetes Pod run, or start, one after another.

A KRM function (``seq-fn`` on stdin/stdout), a standalone CLI, and this library::

    import krm_fn
    job = krm_fn.sequence(job, {"strategy": "init-containers"})
    job, results = krm_fn.sequence_with_results(job)     # the same, with its warnings and info results
    items, results = krm_fn.sequence_resources(items, config)
    job = krm_fn.undo(job)                               # back to what it was before seq-fn ran

:mod:`krm_fn.sdk` is a small, reusable KRM function SDK; :mod:`krm_fn.sequencing` is seq-fn's own logic.
The library names are imported on first use, so that the command (which imports this package first) starts
without the parts it does not need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from krm_fn.api import (
        SequencingError,
        sequence,
        sequence_resources,
        sequence_with_results,
        undo,
        undo_resources,
    )
    from krm_fn.sdk.errors import ConfigError
    from krm_fn.sequencing.config import SequenceConfig

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "SequenceConfig",
    "SequencingError",
    "__version__",
    "sequence",
    "sequence_resources",
    "sequence_with_results",
    "undo",
    "undo_resources",
]

_WHERE = {
    "ConfigError": "krm_fn.sdk.errors",
    "SequenceConfig": "krm_fn.sequencing.config",
    "SequencingError": "krm_fn.api",
    "sequence": "krm_fn.api",
    "sequence_resources": "krm_fn.api",
    "sequence_with_results": "krm_fn.api",
    "undo": "krm_fn.api",
    "undo_resources": "krm_fn.api",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'krm_fn' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public API too, though it is imported only on first use (so ``dir(krm_fn)`` and completion show it)."""
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})
