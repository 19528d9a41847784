"""seq-fn: make the containers of a Kubernetes Pod run, or start, one after another.

A KRM function (``seq-fn`` on stdin/stdout), a standalone CLI, and this library::

    import krm_fn
    job = krm_fn.sequence(job, {"strategy": "init-containers"})
    items, results = krm_fn.sequence_resources(items, config)

:mod:`krm_fn.sdk` is a small, reusable KRM function SDK; :mod:`krm_fn.sequencing` is seq-fn's own logic.
"""

from krm_fn.api import SequencingError, sequence, sequence_resources
from krm_fn.sdk.errors import ConfigError
from krm_fn.sequencing.config import SequenceConfig

__version__ = "0.1.0"

__all__ = ["ConfigError", "SequenceConfig", "SequencingError", "__version__", "sequence", "sequence_resources"]
