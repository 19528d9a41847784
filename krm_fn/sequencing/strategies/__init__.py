"""One module per strategy, each with the same two entry points (the :class:`StrategyModule` protocol).

``apply(template, plan, *, config, report)`` edits the pod spec in place (sidecars are already done);
``describe(plan)`` says in a few words what it did, for the info result.
"""

from __future__ import annotations

from typing import Protocol, cast

from krm_fn.sequencing.config import SequenceConfig
from krm_fn.sequencing.constants import Strategy
from krm_fn.sequencing.planning import Plan
from krm_fn.sequencing.report import Report
from krm_fn.sequencing.strategies import entrypoint, init_containers, native_sidecars
from krm_fn.sequencing.workloads import PodTemplate


class StrategyModule(Protocol):
    """What every strategy module provides."""

    def apply(self, template: PodTemplate, plan: Plan, *, config: SequenceConfig, report: Report) -> None:
        """Edit ``template.spec`` in place so that it runs ``plan``; report what cannot be done."""

    def describe(self, plan: Plan) -> str:
        """A few words for the info result: ``a -> b as init containers, then c``."""


def describe(plan: Plan) -> str:
    """What the plan does, in a few words: the strategy's description, and the sidecars around the steps."""
    sidecar_text = f"sidecars {', '.join(plan.sidecars)} as native sidecars"
    if len(plan.steps) == 1:
        return f"{sidecar_text} around {plan.main}" if plan.sidecars else ""
    text = module(plan.strategy).describe(plan)
    return f"{text}; {sidecar_text}" if plan.sidecars else text


def module(strategy: Strategy) -> StrategyModule:
    """The module that carries out ``strategy`` (never ``auto``: planning has resolved it)."""
    modules = {
        Strategy.INIT_CONTAINERS: init_containers,
        Strategy.NATIVE_SIDECARS: native_sidecars,
        Strategy.ENTRYPOINT: entrypoint,
    }
    return cast(StrategyModule, modules[strategy])
