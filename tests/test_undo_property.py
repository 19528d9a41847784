"""Undo over generated workloads (issue 25): ``undo(sequence(x)) == x`` and ``sequence(undo(sequence(x))) ==
sequence(x)``, in KRM and standalone mode, under every strategy.

The workloads mix what seq-fn writes: steps and long-running kinds, commands and args or none, readiness probes
(derived startup gates), an order, a DAG, step timeouts, stop delays and signals, waits on TCP. Values are
compared as seq-fn's reader reads them (kubectl, the oracle, reads every golden case in ``test_undo.py``; one
kubectl call per generated example would cost the budget ten times over). The budget is fixed:
``SEQ_FN_UNDO_EXAMPLES`` examples per mode (40 by default).
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from krm_fn import commands
from krm_fn.sdk import yamlio
from tests.support.run import krm, resource_list

EXAMPLES = int(os.environ.get("SEQ_FN_UNDO_EXAMPLES", "40"))
STRATEGIES = ("init-containers", "entrypoint", "native-sidecars")
NAMES = ("app", "db", "migrate", "seed", "proxy", "worker")


@st.composite
def workloads(draw: Any) -> tuple[str, str]:
    """A workload as YAML text and the strategy to ask of it."""
    strategy = draw(st.sampled_from(STRATEGIES))
    steps = strategy != "native-sidecars"  # native sidecars give start order; the others run steps to completion
    names = draw(st.lists(st.sampled_from(NAMES), min_size=2, max_size=4, unique=True))
    notes: dict[str, str] = {}
    order = list(names)
    if draw(st.booleans()):
        order = draw(st.permutations(names))
        notes["seq-fn.dev/order"] = ",".join(order)
    elif strategy == "entrypoint" and len(names) > 2 and draw(st.booleans()):
        notes[f"seq-fn.dev/after.{names[-1]}"] = ",".join(names[:2])
    if strategy == "entrypoint" and draw(st.booleans()):
        notes[f"seq-fn.dev/timeout.{names[0]}"] = "5m"
    if strategy != "init-containers" and draw(st.booleans()):  # a plain init container has nothing to stop
        notes[f"seq-fn.dev/stop-delay.{order[-1]}"] = "5s"
    if draw(st.booleans()):
        notes["seq-fn.dev/wait-for"] = "tcp://db:5432"
    spec: dict[str, Any] = {"containers": [_container(draw, name, strategy, steps=steps) for name in names]}
    if draw(st.booleans()):
        spec["terminationGracePeriodSeconds"] = 20
    metadata: dict[str, Any] = {"name": "w", "namespace": "ns", "annotations": {"seq-fn.dev/enabled": "true", **notes}}
    if steps:
        spec["restartPolicy"] = "Never"
        obj = {"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata, "spec": {"template": {"spec": spec}}}
    else:
        template = {"metadata": {"labels": {"app": "w"}}, "spec": spec}
        body = {"selector": {"matchLabels": {"app": "w"}}, "template": template}
        obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata, "spec": body}
    return yamlio.dump(obj), strategy


def _container(draw: Any, name: str, strategy: str, *, steps: bool) -> dict[str, Any]:
    container: dict[str, Any] = {"name": name, "image": f"registry.example/{name}:1"}
    if strategy == "entrypoint" or draw(st.booleans()):  # the entrypoint wrapper must know each command
        container["command"] = ["/bin/" + name]
    if draw(st.booleans()):
        container["args"] = draw(st.lists(st.sampled_from(["--fast", "-v", "80", "true"]), max_size=2))
    if not steps and draw(st.booleans()):  # a startup gate is derived from it
        container["readinessProbe"] = {"tcpSocket": {"port": 8080}}
    if draw(st.booleans()):
        container["env"] = [{"name": "MODE", "value": "1"}]
    return container


def _config(strategy: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  strategy: {strategy}\n"


UNDO = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  undo: 'true'\n"


def _items(text: str) -> list[Any]:
    return [yamlio.to_plain(i) for i in yamlio.load_all(text)[0]["items"]]


def _krm(items: list[Any], config: str) -> list[Any]:
    ran = krm(resource_list("---\n".join(yamlio.dump(i) for i in items), config))
    assert ran.code == 0, ran.stderr
    return _items(ran.stdout)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(workloads())
def test_undo_after_sequence_is_the_identity_krm(case: tuple[str, str]) -> None:
    text, strategy = case
    given_items = [yamlio.to_plain(d) for d in yamlio.load_all(text)]
    sequenced = _krm(given_items, _config(strategy))
    assert sequenced != given_items, "nothing was sequenced"
    undone = _krm(sequenced, UNDO)
    assert undone == given_items
    assert _krm(undone, _config(strategy)) == sequenced


def _standalone(args: list[str]) -> str:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = commands.main(args)
    assert code == 0, err.getvalue()
    return out.getvalue()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=workloads())
def test_undo_after_sequence_is_the_identity_standalone(case: tuple[str, str], tmp_path_factory: Any) -> None:
    text, strategy = case
    folder: Path = tmp_path_factory.mktemp("undo")
    (folder / "config.yaml").write_text(_config(strategy))
    (folder / "given.yaml").write_text(text)
    sequenced = _standalone(["--config", str(folder / "config.yaml"), str(folder / "given.yaml")])
    (folder / "sequenced.yaml").write_text(sequenced)
    undone = _standalone(["undo", str(folder / "sequenced.yaml")])
    assert undone == text, "the text did not come back"
    (folder / "undone.yaml").write_text(undone)
    again = _standalone(["--config", str(folder / "config.yaml"), str(folder / "undone.yaml")])
    assert again == sequenced
