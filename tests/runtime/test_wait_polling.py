"""seq-fn-wait's polling, counted: the requests one waiting Pod sends in five simulated minutes, and its pauses.

The run is :func:`benchmarks.wait_polling.simulate`: the ``seq-fn-wait`` container seq-fn writes, the real kubectl
with in-cluster config, the stub API server, and a simulated clock (``date`` and ``sleep`` advance a clock file; the
shell is dash there, see :data:`tests.runtime.kubectl_pod.DASH_IMAGE`). What is asserted is counted in simulated
time, so the machine's speed does not decide it; the benchmark prints the same figures and what they mean for
1,000 replicas.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import wait_polling

pytestmark = pytest.mark.runtime


def test_one_waiting_pod_sends_at_most_60_requests_in_five_minutes(tmp_path: Path) -> None:
    """Back-off: polls at most 3.5 s apart in the first minute, then further apart up to 30 s; discovery once."""
    run = wait_polling.simulate(tmp_path / "never")
    assert "service/db is still not ready after 5m" in run.output
    assert len(run.requests) <= 60, [f"{at:.1f} {r.url}" for at, r in run.requests]
    assert sum(1 for _, r in run.requests if r.discovery) == 2, "discovery read once, then from the disk cache"
    assert max(run.gaps(60)) <= 3.5, "a dependency ready in the first minute is seen within 3.5 s (plus one call)"
    assert max(run.gaps()) <= 30.0
    assert sum(1 for at in run.polls if at >= 60) <= 15, "it backs off after the first minute"
    assert run.polls[-1] >= 295, "it kept polling until the deadline"
    other = wait_polling.simulate(tmp_path / "other")
    assert [round(t, 1) for t in other.polls[2:6]] != [round(t, 1) for t in run.polls[2:6]], "jitter: not in step"


def test_a_dependency_ready_late_in_the_first_minute_is_seen_at_the_next_poll(tmp_path: Path) -> None:
    run = wait_polling.simulate(tmp_path / "late", ready_at=50.0)
    assert "seq-fn-wait: service/db is ready" in run.output
    assert run.polls[-1] - 50.0 <= 3.5
