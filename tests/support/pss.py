"""The Pod Security Standards "restricted" profile, as a test helper (rules from the Kubernetes docs, v1.29+).

No maintained Python checker exists on the registries these machines reach, so the profile's rules are written
out here: volume types, privilege escalation, non-root, seccomp, capabilities, plus the baseline rules seq-fn
could plausibly break (host namespaces, privileged, hostPath, host ports).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ALLOWED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
                   "projected", "secret"}  # fmt: skip


def restricted_violations(spec: Mapping[str, Any]) -> list[str]:
    """Every rule of the restricted profile that ``spec`` (a pod spec) breaks."""
    problems: list[str] = []
    pod_sc = spec.get("securityContext") or {}
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(key):
            problems.append(f"{key} is set")
    for volume in spec.get("volumes") or ():
        kinds = set(volume) - {"name"}
        if not kinds <= ALLOWED_VOLUMES:
            problems.append(f"volume {volume['name']} uses {sorted(kinds - ALLOWED_VOLUMES)}")
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for ctr in spec.get(key) or ():
            problems.extend(_container_violations(ctr, pod_sc, name=f"{key}/{ctr['name']}"))
    return problems


def _container_violations(ctr: Mapping[str, Any], pod_sc: Mapping[str, Any], *, name: str) -> list[str]:
    problems: list[str] = []
    pod_seccomp = (pod_sc.get("seccompProfile") or {}).get("type")
    sc = ctr.get("securityContext") or {}
    if sc.get("privileged"):
        problems.append(f"{name}: privileged")
    if sc.get("allowPrivilegeEscalation") is not False:
        problems.append(f"{name}: allowPrivilegeEscalation must be false")
    if sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is not True:
        problems.append(f"{name}: runAsNonRoot must be true")
    if sc.get("runAsUser", pod_sc.get("runAsUser")) == 0:
        problems.append(f"{name}: runAsUser 0")
    seccomp = (sc.get("seccompProfile") or {}).get("type") or pod_seccomp
    if seccomp not in ("RuntimeDefault", "Localhost"):
        problems.append(f"{name}: seccompProfile must be RuntimeDefault or Localhost")
    caps = sc.get("capabilities") or {}
    if "ALL" not in (caps.get("drop") or ()):
        problems.append(f"{name}: capabilities must drop ALL")
    if set(caps.get("add") or ()) - {"NET_BIND_SERVICE"}:
        problems.append(f"{name}: adds capabilities {caps.get('add')}")
    for port in ctr.get("ports") or ():
        if port.get("hostPort"):
            problems.append(f"{name}: hostPort")
    return problems
