"""Strategy ``native-sidecars``: every container but the last becomes a native sidecar, in start order.

Kubernetes (>= 1.29) starts the next init container once a sidecar is started (its startupProbe passed), keeps
sidecars running beside the main container, and stops them after it, in reverse order. The order is a start
order: nothing waits for a container to finish.
"""

from __future__ import annotations

from krm_fn.sequencing import sidecars
from krm_fn.sequencing.config import SequenceConfig
from krm_fn.sequencing.planning import Plan
from krm_fn.sequencing.report import Report
from krm_fn.sequencing.workloads import PodTemplate


def apply(template: PodTemplate, plan: Plan, *, config: SequenceConfig, report: Report) -> None:
    """Move ``plan.steps[:-1]`` to the end of ``initContainers`` as native sidecars gated by a startupProbe."""
    sidecars.install(template, plan.steps[:-1], plan=plan, config=config, report=report)


def describe(plan: Plan) -> str:
    """``a -> b -> main started in order as native sidecars gated by startupProbe``."""
    text = f"{' -> '.join(plan.steps)} started in order, all but the last as native sidecars gated by startupProbe"
    return f"{text} (DAG linearised)" if plan.is_dag else text
