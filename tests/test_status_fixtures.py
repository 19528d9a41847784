"""``seq-fn status`` on Pod statuses shaped like a real kubelet's: ``tests/status/<case>.yaml`` -> ``<case>.txt``.

The statuses are written by hand from the API types (see ``tests/status/README.md``): no kubelet runs here. Each
case is one situation a user meets with a sequenced Job: a sidecar stopped after the steps (143, or 137 after the
grace period), a sidecar that restarted, a step killed for memory (with restartPolicy Never, and restarting under
OnFailure), an evicted Pod, and steps rerun in place by a RestartAllContainers rule. ``UPDATE_GOLDEN=1``
rewrites the ``.txt`` files and fails, so they are read.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.run import command

CASES = Path(__file__).parent / "status"
#: What ``seq-fn status`` exits with: 0 when the steps succeeded (or still run), 1 when one failed or never will.
EXIT = {
    "job-sidecar-stopped-143": 0,
    "job-sidecar-killed-137": 0,
    "job-sidecar-restarted": 0,
    "job-step-oomkilled": 1,
    "job-step-oomkilled-onfailure": 0,
    "job-evicted": 1,
    "job-rerun-in-place": 0,
}


def test_every_fixture_has_an_expected_exit_code():
    assert sorted(p.stem for p in CASES.glob("*.yaml")) == sorted(EXIT)


@pytest.mark.parametrize("case", sorted(EXIT))
def test_status_reads_the_pod_as_a_user_would(case):
    ran = command(["status", str(CASES / f"{case}.yaml")])
    expected = CASES / f"{case}.txt"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        expected.write_text(ran.stdout)
        pytest.fail(f"wrote {expected.name}; read it, then rerun without UPDATE_GOLDEN")
    assert ran.stdout == expected.read_text()
    assert ran.code == EXIT[case], ran.stdout
