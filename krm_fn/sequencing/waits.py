"""Waits for dependencies outside the Pod: ``seq-fn.dev/wait-for: "tcp://db:5432,http://api/healthz,file:/run/x"``.

One plain init container, ``seq-fn-wait``, runs first in the Pod (before your init containers, the sidecars and
the steps) and waits for each dependency in turn, giving up with a message that names the one still missing once
``seq-fn.dev/wait-timeout`` (default :data:`DEFAULT_TIMEOUT`) has passed. It needs no RBAC and no wrapper in the
workload's images: a busybox shell does the waiting (``nc`` for ``tcp://``, ``wget`` for ``http(s)://``, which is
ready on a 2xx answer, ``test -e`` for ``file:``). The dependencies are passed as arguments, never spliced into the
script, so a host or path cannot inject shell.

The container passes Pod Security "restricted" (non-root, no privilege escalation, no capabilities, read-only root),
and does not change the Pod's QoS class: it asks for nothing in a BestEffort Pod, and for equal requests and limits
otherwise (which keep a Guaranteed Pod Guaranteed and a Burstable one Burstable).

Waits that read the Kubernetes API (``service/``, ``job/``, ``pod/``, ``daemonset/``, custom resources) are
recognised and refused for now, with the ``tcp://`` form to use instead.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, MutableMapping
from typing import Any, NamedTuple

from krm_fn.sequencing import podspec
from krm_fn.sequencing.config import SequenceConfig
from krm_fn.sequencing.report import Report
from krm_fn.sequencing.workloads import PodTemplate

CONTAINER = "seq-fn-wait"
DEFAULT_TIMEOUT = "10m"
_HOST = r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?"
_TCP = re.compile(rf"^tcp://({_HOST}):([0-9]{{1,5}})$")
_HTTP = re.compile(rf"^https?://({_HOST})(:([0-9]{{1,5}}))?(/[^\s]*)?$")
_FILE = re.compile(r"^file:(/[^\s]*)$")
_API = re.compile(r"^(?:([a-z0-9]([-a-z0-9]*[a-z0-9])?)/)?(service|job|pod|daemonset)/.+$")
_FORMS = "tcp://HOST:PORT, http(s)://HOST[:PORT]/PATH or file:/PATH"
#: Small, requests equal to limits: never raises the Pod's request (an init container counts as a maximum).
_RESOURCES = {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "10m", "memory": "16Mi"}}
_SECURITY = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "runAsUser": 65534,
    "runAsGroup": 65534,
    "seccompProfile": {"type": "RuntimeDefault"},
}
#: $1: seconds, $2: the timeout as written; then pairs of (kind, dependency). busybox's nc has -z only in some
#: builds (Debian's lacks it); without -z, ``-e true`` ends the connection once it is made (a server that keeps it
#: open, as a database does, would otherwise hold nc until its own timeout).
SCRIPT = """\
seconds=$1; written=$2; shift 2
deadline=$(( $(date +%s) + seconds ))
if nc --help 2>&1 | grep -q -e ' -z'; then zero=yes; else zero=; fi
while [ $# -gt 1 ]; do
  kind=$1; what=$2; shift 2
  echo "seq-fn-wait: waiting for $what"
  until case $kind in
      tcp) hostport=${what#tcp://}; host=${hostport%:*}; port=${hostport##*:}
        if [ -n "$zero" ]; then timeout 10 nc -z -w 2 "$host" "$port"
        else timeout 10 nc -w 2 "$host" "$port" -e true; fi ;;
      http) timeout 10 wget -q -O /dev/null "$what" ;;
      file) test -e "${what#file:}" ;;
    esac >/dev/null 2>&1
  do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "seq-fn-wait: $what is still not ready after $written (seq-fn.dev/wait-timeout): giving up" >&2
      exit 1
    fi
    sleep 2
  done
  echo "seq-fn-wait: $what is ready"
done
"""


class Dependency(NamedTuple):
    """One thing to wait for: ``kind`` is ``tcp``, ``http`` or ``file``; ``text`` is as the user wrote it."""

    kind: str
    text: str


def parse(value: str, *, key: str, path: str | None, report: Report) -> tuple[Dependency, ...]:
    """The dependencies of a ``wait-for`` annotation; each malformed or unsupported one is an error naming it."""
    found: list[Dependency] = []
    for raw in value.split(","):
        text = raw.strip()
        if not text:
            report.error(f"{key} has an empty entry: separate dependencies with commas", path, topic="waits")
            continue
        tcp = _TCP.match(text)
        http = _HTTP.match(text)
        if tcp and 1 <= int(tcp.group(3)) <= 65535:
            found.append(Dependency("tcp", text))
        elif http and (http.group(4) is None or 1 <= int(http.group(4)) <= 65535):
            found.append(Dependency("http", text))
        elif _FILE.match(text):
            found.append(Dependency("file", text))
        elif _API.match(text):
            report.error(
                f"{key}: {text!r} would read the Kubernetes API, which seq-fn does not wait on yet: wait on the "
                "port instead (tcp://SERVICE:PORT answers once the Service has a ready endpoint)",
                path,
                topic="waits",
            )
        else:
            report.error(f"{key}: {text!r} is not a dependency seq-fn can wait for ({_FORMS})", path, topic="waits")
    return tuple(dict.fromkeys(found))


def apply(
    template: PodTemplate,
    dependencies: tuple[Dependency, ...],
    *,
    timeout: str | None,
    seconds: int | None,
    config: SequenceConfig,
    report: Report,
) -> None:
    """Put the ``seq-fn-wait`` init container first in the pod spec (``timeout`` as written, and in seconds)."""
    if not dependencies or timeout is None or seconds is None:
        return
    taken = {str(c.get("name")) for key in ("initContainers", "containers") for c in template.spec.get(key) or ()}
    if CONTAINER in taken:
        report.error(
            f"the pod spec already has a container named {CONTAINER!r}, which {CONTAINER} needs: rename it",
            f"{template.path}.initContainers",
            topic="waits",
        )
        return
    mounts = _mounts(template, dependencies, report)
    if report.has_errors:
        return
    container: dict[str, Any] = {
        "name": CONTAINER,
        "image": config.wait_image,
        "command": ["sh", "-c", SCRIPT, CONTAINER, str(seconds), timeout]
        + [part for d in dependencies for part in (d.kind, d.text)],
    }
    if not _best_effort(template.spec):
        container["resources"] = {k: dict(v) for k, v in _RESOURCES.items()}
    if mounts:
        container["volumeMounts"] = mounts
    container["securityContext"] = copy.deepcopy(_SECURITY)
    podspec.add_init(template, container)
    init = template.spec["initContainers"]
    init.insert(0, init.pop())


def describe(dependencies: tuple[Dependency, ...], timeout: str | None) -> str:
    """``waits for tcp://db:5432, file:/run/x first (init container seq-fn-wait, up to 10m)``."""
    if not dependencies:
        return ""
    return f"waits for {', '.join(d.text for d in dependencies)} first (init container {CONTAINER}, up to {timeout})"


def _mounts(template: PodTemplate, dependencies: tuple[Dependency, ...], report: Report) -> list[dict[str, Any]]:
    """For each ``file:`` wait, the workload's volume that holds the path, mounted read-only at the same place."""
    offered: list[Mapping[str, Any]] = [
        m
        for key in ("initContainers", "containers")
        for c in template.spec.get(key) or ()
        for m in (c.get("volumeMounts") or () if isinstance(c, Mapping) else ())
        if isinstance(m, Mapping) and isinstance(m.get("mountPath"), str)
    ]
    out: list[dict[str, Any]] = []
    for dep in dependencies:
        if dep.kind != "file":
            continue
        path = dep.text.removeprefix("file:")
        holders = [m for m in offered if path == m["mountPath"] or path.startswith(m["mountPath"].rstrip("/") + "/")]
        if not holders:
            report.error(
                f"{dep.text!r}: no container of this pod spec mounts a volume that holds {path}: mount the volume "
                "the file or socket appears on in one of the containers",
                f"{template.path}.containers",
                topic="waits",
            )
            continue
        best = max(holders, key=lambda m: len(m["mountPath"]))
        mount = {"name": best["name"], "mountPath": best["mountPath"], "readOnly": True}
        if best.get("subPath"):
            mount["subPath"] = best["subPath"]
        if mount not in out:
            out.append(mount)
    return out


def _best_effort(spec: Mapping[str, Any]) -> bool:
    """A Pod is BestEffort when no container asks for or limits CPU or memory."""
    for key in ("initContainers", "containers"):
        for container in spec.get(key) or ():
            resources = container.get("resources") if isinstance(container, MutableMapping) else None
            for kind in ("requests", "limits"):
                amounts = (resources or {}).get(kind) or {}
                if "cpu" in amounts or "memory" in amounts:
                    return False
    return True
