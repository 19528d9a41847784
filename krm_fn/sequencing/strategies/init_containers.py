"""Strategy ``init-containers``: every step but the last becomes a plain init container.

Kubernetes runs init containers one at a time, each to exit 0, before the regular containers: sequencing with
no extra image. The price: Kubernetes forbids probes, lifecycle and resizePolicy on them, and a DAG can only
run linearised.
"""

from __future__ import annotations

from krm_fn.sequencing import podspec
from krm_fn.sequencing.config import SequenceConfig
from krm_fn.sequencing.constants import OnIncompatible
from krm_fn.sequencing.planning import Plan
from krm_fn.sequencing.report import Report
from krm_fn.sequencing.workloads import PodTemplate


def apply(template: PodTemplate, plan: Plan, *, config: SequenceConfig, report: Report) -> None:
    """Move ``plan.steps[:-1]`` to the end of ``initContainers``, in order; the main step stays in ``containers``."""
    drop = config.on_incompatible_fields is OnIncompatible.DROP
    for path, container in podspec.move_to_init(template, plan.steps[:-1]):
        podspec.check_plain_init(
            container, path=path, drop=drop, kubernetes_version=config.kubernetes_version, report=report
        )


def describe(plan: Plan) -> str:
    """``a -> b as init containers, then c`` (with a note when a DAG was linearised): the last stays a container."""
    text = f"{' -> '.join(plan.steps[:-1])} as init containers, then {plan.steps[-1]}"
    return f"{text} (DAG linearised; use strategy entrypoint to run branches in parallel)" if plan.is_dag else text
