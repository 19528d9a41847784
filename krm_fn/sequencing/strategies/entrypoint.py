"""Strategy ``entrypoint``: steps stay containers, and Tekton's entrypoint binary makes each wait for the others.

An init container copies the binary into an emptyDir (``entrypoint cp``: no shell needed in any image). Each
step's command becomes that binary, which waits for its predecessors' post files, runs the real command, and
writes its own post file (``.err`` on failure, which makes every later step skip). Steps keep their probes and
ports, DAG branches run in parallel, and timeouts and ``onError`` map to the binary's flags. The price: one more
image, and seq-fn must know every step's command (a KRM function runs offline and cannot ask a registry for an
image's ENTRYPOINT; ``entrypoint.commands`` supplies it).

What the real binary (Tekton v1.12.0) does that shapes the wiring: under ``-on_error continue`` a failed step's
container exits 0, so each step's ``terminationMessagePath`` is the binary's termination file, whose JSON carries
the step's own exit code to the Pod's status; a timeout or a command that cannot start fails the rest even under
continue; a wrapper killed by SIGKILL posts nothing and the later steps wait forever (hence the warning about
``activeDeadlineSeconds``). The copy container's resources leave the Pod's QoS class and requests as they were.

Preconditions, met by planning: every name in the plan is a step container; ``waits_for`` is acyclic; the
workload runs to completion.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

from krm_fn.sdk import objects
from krm_fn.sequencing import podspec
from krm_fn.sequencing import resources as pod_resources
from krm_fn.sequencing.config import SequenceConfig
from krm_fn.sequencing.constants import OnError
from krm_fn.sequencing.planning import Plan
from krm_fn.sequencing.report import Report
from krm_fn.sequencing.workloads import PodTemplate

#: Where the binary sits in Tekton's ko-built image.
BINARY_IN_IMAGE = "/ko-app/entrypoint"
#: Everything seq-fn mounts lives under this one directory, so a collision is easy to see and to report.
ROOT = "/seq-fn"
BIN_DIR = f"{ROOT}/bin"
BINARY = f"{BIN_DIR}/entrypoint"
RUN_DIR = f"{ROOT}/run"
BIN_VOLUME = "seq-fn-bin"
RUN_VOLUME_PREFIX = "seq-fn-run-"
COPY_CONTAINER = "seq-fn-entrypoint"
#: The copy container passes Pod Security "restricted" by itself.
RESTRICTED = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "runAsNonRoot": True,
    "seccompProfile": {"type": "RuntimeDefault"},
}
#: What the copy container asks for at most (copying one static binary). ``resources.quiet_container`` lowers
#: it, or leaves it out, so that the Pod's QoS class and effective requests stay what they were.
COPY_REQUESTS = {"cpu": "10m", "memory": "16Mi"}
COPY_LIMITS = {"cpu": "100m", "memory": "64Mi"}


def run_dir(index: int) -> str:
    """The run directory of step ``index``: its post file, termination file and status live there."""
    return f"{RUN_DIR}/{index}"


def post_file(index: int) -> str:
    """The file step ``index`` writes when it succeeds (``.err`` beside it when it fails or is skipped)."""
    return f"{run_dir(index)}/out"


def termination_file(index: int) -> str:
    """Where the binary of step ``index`` writes its JSON message, and the kubelet reads it from."""
    return f"{run_dir(index)}/termination"


def run_volume(index: int) -> str:
    """The emptyDir of step ``index``: writable by that step only, readable by the others."""
    return f"{RUN_VOLUME_PREFIX}{index}"


def apply(template: PodTemplate, plan: Plan, *, config: SequenceConfig, report: Report) -> None:
    """Add the copy init container and the volumes, then wrap every step's command."""
    if template.restart_policy == "Always":
        report.error(
            "strategy entrypoint runs each step once, but restartPolicy Always restarts finished steps: set "
            "restartPolicy Never (or OnFailure), or use native-sidecars",
            f"{template.path}.restartPolicy",
            topic="strategy-mismatch",
        )
        return
    containers = {c["name"]: c for c in template.spec["containers"]}
    argvs = {name: _argv(containers[name], template, config, report) for name in plan.steps}
    _check_collisions(template, plan, report)
    if report.has_errors:
        return
    if template.restart_policy == "OnFailure":
        report.warn(
            "restartPolicy OnFailure with strategy entrypoint: a failed step restarts at once, and the steps after "
            "it restart while they see its .err file, each restart counting toward backoffLimit; Never gives "
            "exact step semantics",
            f"{template.path}.restartPolicy",
        )
    index = {name: i for i, name in enumerate(plan.steps)}
    resources = pod_resources.quiet_container(template.spec, COPY_REQUESTS, COPY_LIMITS)  # before ours is added
    for name in plan.steps:
        argv = argvs[name]
        assert argv is not None  # _argv reported an error otherwise
        path = podspec.path_of(template, name)
        _point_termination_message(containers[name], index[name], path=path, report=report)
        _wrap(containers[name], index=index, plan=plan, argv=argv, on_error=config.on_error)
        _warn_early_hooks(containers[name], plan=plan, path=path, report=report)
    if not plan.has_deadline:
        report.warn(
            "this workload has no activeDeadlineSeconds: a step killed by SIGKILL (an OOM kill, a failing liveness "
            "probe while it waits) posts nothing, and the steps after it wait forever, so the Pod never ends; "
            "set activeDeadlineSeconds (on a Job's spec, or on the pod spec) to bound it",
            plan.deadline_path,
        )
    _add_volumes(template, len(plan.steps))
    podspec.add_init(template, _copy_container(config.entrypoint.image, resources))


def describe(plan: Plan) -> str:
    """``a -> b + c -> d run by the Tekton entrypoint``: ``+`` joins steps that run in parallel."""
    levels: dict[str, int] = {}
    for name in plan.steps:
        levels[name] = 1 + max((levels[p] for p in plan.waits_for.get(name, ())), default=-1)
    groups = [[n for n in plan.steps if levels[n] == level] for level in range(max(levels.values()) + 1)]
    text = " -> ".join(" + ".join(group) for group in groups)
    return f"{text} as containers run in order by the Tekton entrypoint"


def _argv(container: Mapping[str, Any], template: PodTemplate, config: SequenceConfig, report: Report) -> list[Any]:
    """The step's real argv (command + args): the wrapper needs it, since it replaces ``command``."""
    command = container.get("command")
    if not command:
        image = str(container.get("image", ""))
        command = config.entrypoint.commands.get(image) or config.entrypoint.commands.get(_untagged(image))
    if not command:
        report.error(
            f"container {container['name']!r} has no command, and the entrypoint strategy must know it (a KRM "
            f"function cannot ask a registry for the image's ENTRYPOINT): set command, or add image "
            f"{container.get('image')!r} to entrypoint.commands in the functionConfig",
            f"{podspec.path_of(template, container['name'])}.command",
            topic="entrypoint-command",
        )
        return []
    return [*command, *(container.get("args") or ())]


def _untagged(image: str) -> str:
    """``repo/name:tag@sha256:...`` -> ``repo/name`` (a ``:`` in the registry's port is kept)."""
    name = image.split("@", 1)[0]
    slash, colon = name.rfind("/"), name.rfind(":")
    return name[:colon] if colon > slash else name


def _wrap(
    container: MutableMapping[str, Any], *, index: Mapping[str, int], plan: Plan, argv: Sequence[Any], on_error: OnError
) -> None:
    """Make the container run the binary, which waits, runs ``argv`` and posts; argv stays exact after ``--``."""
    me = index[container["name"]]
    flags: list[str] = []
    waits = plan.waits_for.get(container["name"], ())
    if waits:
        flags += ["-wait_file", ",".join(post_file(index[w]) for w in waits)]
    flags += [
        "-post_file", post_file(me),
        "-termination_path", termination_file(me),
        "-step_metadata_dir", f"{run_dir(me)}/status",
    ]  # fmt: skip
    if on_error is OnError.CONTINUE:
        flags += ["-on_error", "continue"]
    if container["name"] in plan.timeouts:
        flags += ["-timeout", plan.timeouts[container["name"]]]
    objects.set_key(container, "command", [BINARY], before=podspec.key_after(container, "image"))
    objects.set_key(
        container,
        "args",
        [*flags, "-entrypoint", argv[0], "--", *argv[1:]],
        before=podspec.key_after(container, "command"),
    )
    mounts = container.get("volumeMounts")
    if not isinstance(mounts, list):
        objects.set_key(container, "volumeMounts", [])
        mounts = container["volumeMounts"]
    mounts.append({"name": BIN_VOLUME, "mountPath": BIN_DIR, "readOnly": True})
    for i in range(len(index)):
        mount: dict[str, Any] = {"name": run_volume(i), "mountPath": run_dir(i)}
        if i != me:
            mount["readOnly"] = True
        mounts.append(mount)


def _point_termination_message(container: MutableMapping[str, Any], me: int, *, path: str, report: Report) -> None:
    """Make the kubelet read the binary's JSON (with the step's real exit code) into ``state.terminated.message``.

    Under ``onError: continue`` the container exits 0 whatever the step did; this file is then the only place the
    cluster can see the step's code. A path the user chose is kept, and they are told what that costs.
    """
    ours = termination_file(me)
    theirs = container.get("terminationMessagePath")
    if theirs is None:
        objects.set_key(container, "terminationMessagePath", ours)
    elif theirs != ours:
        report.warn(
            f"terminationMessagePath of {container['name']!r} is the user's ({theirs}), so the kubelet does not "
            f"read the entrypoint's message at {ours}: seq-fn status cannot see this step's own exit code (under "
            "onError continue its container exits 0 even when the step failed), nor tell a killed step",
            f"{path}.terminationMessagePath",
        )


def _warn_early_hooks(container: Mapping[str, Any], *, plan: Plan, path: str, report: Report) -> None:
    """Probes and a postStart hook run as soon as the container starts, while the step still waits for others.

    A failing liveness or startup probe kills the waiting step before it posts, so later steps hang; a postStart
    hook runs before the steps it waits for have finished.
    """
    if not plan.waits_for.get(container["name"]):
        return
    for probe in ("livenessProbe", "startupProbe"):
        if probe in container:
            report.warn(
                f"{probe} of {container['name']!r} also runs while the step waits for the steps before it; if it "
                "fails then, the step is killed before it runs and the steps after it wait forever",
                f"{path}.{probe}",
            )
    if "postStart" in (container.get("lifecycle") or {}):
        report.warn(
            f"lifecycle.postStart of {container['name']!r} runs when its container starts, that is before the "
            "steps it waits for have finished, not before the step's own command; move that work into the command",
            f"{path}.lifecycle.postStart",
        )


def _check_collisions(template: PodTemplate, plan: Plan, report: Report) -> None:
    """seq-fn's volume names, container name and mount paths must not be the user's."""
    ours = {BIN_VOLUME, *(run_volume(i) for i in range(len(plan.steps)))}
    for i, volume in enumerate(template.spec.get("volumes") or ()):
        if isinstance(volume, Mapping) and volume.get("name") in ours:
            report.error(
                f"volume name {volume['name']!r} is one the entrypoint strategy adds: rename it",
                f"{template.path}.volumes[{i}].name",
                topic="entrypoint-collisions",
            )
    for key in ("initContainers", "containers"):
        for i, container in enumerate(template.spec.get(key) or ()):
            where = f"{template.path}.{key}[{i}]"
            if container.get("name") == COPY_CONTAINER:
                report.error(
                    f"container name {COPY_CONTAINER!r} is one the entrypoint strategy adds",
                    f"{where}.name",
                    topic="entrypoint-collisions",
                )
            for j, mount in enumerate(container.get("volumeMounts") or ()):
                path = str(mount.get("mountPath", "")).rstrip("/")
                if path == ROOT or path.startswith(f"{ROOT}/"):
                    report.error(
                        f"mountPath {mount.get('mountPath')!r} is under {ROOT}, where the entrypoint strategy mounts "
                        "its own volumes: move it",
                        f"{where}.volumeMounts[{j}].mountPath",
                        topic="entrypoint-collisions",
                    )


def _add_volumes(template: PodTemplate, steps: int) -> None:
    if not isinstance(template.spec.get("volumes"), list):
        objects.set_key(template.spec, "volumes", [], before="initContainers")
    template.spec["volumes"].extend(
        [{"name": BIN_VOLUME, "emptyDir": {}}, *({"name": run_volume(i), "emptyDir": {}} for i in range(steps))]
    )


def _copy_container(image: str, resources: Mapping[str, Any]) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": COPY_CONTAINER,
        "image": image,
        "command": [BINARY_IN_IMAGE, "cp", BINARY_IN_IMAGE, BINARY],
        "workingDir": "/",
        "volumeMounts": [{"name": BIN_VOLUME, "mountPath": BIN_DIR}],
    }
    if resources:  # a Pod whose containers ask for nothing stays BestEffort
        container["resources"] = copy.deepcopy(dict(resources))  # a shared object would be written as a YAML alias
    container["securityContext"] = copy.deepcopy(RESTRICTED)
    return container


def read_args(args: Sequence[Any]) -> tuple[dict[str, str], list[str]]:
    """Read back what :func:`_wrap` wrote: the flags (up to the ``--`` that ends them) and the step's argv.

    Flags are read in order, as Go's flag package does, so a flag's value may itself be ``--``.
    """
    flags: dict[str, str] = {}
    items = [str(a) for a in args]
    i = 0
    while i + 1 < len(items) and items[i] != "--":
        flags[items[i]] = items[i + 1]
        i += 2
    return flags, [flags.get("-entrypoint", ""), *items[i + 1 :]]
