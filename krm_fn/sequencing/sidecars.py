"""Sidecars, whatever the strategy: native sidecars that start before the first step and stop after the last."""

from __future__ import annotations

from collections.abc import Sequence

from krm_fn.sequencing import podspec
from krm_fn.sequencing.config import SequenceConfig
from krm_fn.sequencing.planning import Plan
from krm_fn.sequencing.report import Report
from krm_fn.sequencing.workloads import PodTemplate


def apply(template: PodTemplate, plan: Plan, *, config: SequenceConfig, report: Report) -> None:
    """Make the plan's sidecars native sidecars, after the user's own init containers and before any step.

    Putting them after the existing init containers means those run exactly as before.
    """
    install(template, plan.sidecars, plan=plan, config=config, report=report)


def install(template: PodTemplate, names: Sequence[str], *, plan: Plan, config: SequenceConfig, report: Report) -> None:
    """Move the named containers, in that order, to the end of ``initContainers`` as native sidecars."""
    for path, container in podspec.move_to_init(template, names):
        podspec.make_native_sidecar(
            container,
            path=path,
            kubernetes_version=config.kubernetes_version,
            start_timeout=plan.start_timeouts.get(container["name"]),
            report=report,
        )
