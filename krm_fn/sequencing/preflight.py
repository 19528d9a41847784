"""``seq-fn plan``'s preflight: which Kubernetes the output needs, field by field, and whether it runs on yours.

It reads the pod specs seq-fn would write (the user's own fields count too: a cluster that refuses them refuses
the workload) and finds every field of :data:`~krm_fn.sequencing.features.FEATURES`, with the maturity it has in
the release that needs it. The control plane must be at least the newest of them; the kubelets too, for every
field a kubelet acts on, and at a patch release with the fixes in
:data:`~krm_fn.sequencing.features.KUBELET_FIXES` that the output can hit. Asked about one version
(``--kubernetes-version``), it says yes, or no with what is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from krm_fn.sequencing import features as f
from krm_fn.sequencing.features import Feature, KubeletFix, Patch, Version, version_text


class Found(NamedTuple):
    """One field of the table, and the first place in the pod spec that has it."""

    feature: Feature
    path: str
    #: When the need depends on something outside the workload (a Service targeting a named port).
    condition: str = ""


class Preflight(NamedTuple):
    """What one pod spec needs from the cluster."""

    found: tuple[Found, ...]
    fixes: tuple[KubeletFix, ...]

    @property
    def control_plane(self) -> Version:
        """The oldest control plane that accepts every field (1.0 when none is new)."""
        return max((n.feature.since for n in self.found if not n.condition), default=(1, 0))

    @property
    def kubelet(self) -> Version:
        """The oldest kubelet minor that acts on every field."""
        return max((n.feature.since for n in self.found if n.feature.on_kubelet and not n.condition), default=(1, 0))

    def __bool__(self) -> bool:
        return bool(self.found)


#: A pod spec that needs nothing new.
NOTHING = Preflight((), ())


def _containers(spec: Mapping[str, Any]) -> Iterable[tuple[str, str, Mapping[str, Any]]]:
    """``(key, index path, container)`` for every init container and container."""
    for key in ("initContainers", "containers"):
        for index, item in enumerate(spec.get(key) or ()):
            if isinstance(item, Mapping):
                yield key, f"{key}[{index}]", item


def check(spec: Mapping[str, Any], path: str) -> Preflight:
    """Every table field the pod spec at ``path`` uses (the first place of each), and the kubelet fixes it needs."""
    found: dict[str, Found] = {}

    def add(feature: Feature, where: str, condition: str = "") -> None:
        found.setdefault(feature.key, Found(feature, f"{path}.{where}", condition))

    startup_on_sidecar = False
    for key, where, ctr in _containers(spec):
        sidecar = key == "initContainers" and ctr.get("restartPolicy") == "Always"
        hooks = ctr.get("lifecycle")
        lifecycle: Mapping[str, Any] = hooks if isinstance(hooks, Mapping) else {}
        pre_stop = lifecycle.get("preStop")
        actions = {rule.get("action") for rule in ctr.get("restartPolicyRules") or () if isinstance(rule, Mapping)}
        if sidecar:
            add(f.NATIVE_SIDECARS, f"{where}.restartPolicy")
            startup_on_sidecar = startup_on_sidecar or "startupProbe" in ctr
            if any(isinstance(p, Mapping) and p.get("name") for p in ctr.get("ports") or ()):
                add(f.NAMED_PORT_ON_SIDECAR, f"{where}.ports", "if a Service targets it by name")
        if "resizePolicy" in ctr and key == "initContainers":
            add(f.SIDECAR_RESIZE_POLICY if sidecar else f.INIT_RESIZE_POLICY, f"{where}.resizePolicy")
        if isinstance(pre_stop, Mapping) and "sleep" in pre_stop:
            add(f.SLEEP_ACTION, f"{where}.lifecycle.preStop.sleep")
        if "stopSignal" in lifecycle:
            add(f.STOP_SIGNALS, f"{where}.lifecycle.stopSignal")
        if "Restart" in actions or (not sidecar and "restartPolicy" in ctr):
            add(f.RESTART_RULES, f"{where}.restartPolicy" if not sidecar else f"{where}.restartPolicyRules")
        if "RestartAllContainers" in actions:
            add(f.RESTART_ALL, f"{where}.restartPolicyRules")
    fixes = []
    if startup_on_sidecar and spec.get("restartPolicy") == "Never":
        fixes.append(f.SIDECAR_STARTUP_PROBE_RACE)
    order = {feature.key: index for index, feature in enumerate(f.FEATURES)}
    return Preflight(tuple(sorted(found.values(), key=lambda n: order[n.feature.key])), tuple(fixes))


def parse_version(text: str) -> Version | Patch | None:
    """``1.31``, ``v1.33.4`` -> a version tuple (patch kept when given); None when it is not one."""
    parts = text.strip().lstrip("v").split(".")
    if not 2 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        return None
    if len(parts) == 2:
        return int(parts[0]), int(parts[1])
    return int(parts[0]), int(parts[1]), int(parts[2])


def describe(found: Preflight) -> list[str]:
    """The lines ``seq-fn plan`` prints under a pod template: the versions, then each field."""
    if not found:
        return []
    kubelet = found.kubelet
    lines = [
        f"needs Kubernetes: control plane {version_text(found.control_plane)} or newer, kubelets "
        f"{version_text(kubelet)} or newer"
    ]
    for need in found.found:
        feature = need.feature
        gate = f"; gate {feature.gate}" if feature.gate else ""
        where = f", {need.condition}" if need.condition else ""
        lines.append(
            f"  {feature.since_text}  {feature.label} ({feature.field}{where}): {feature.maturity()}{gate}; {need.path}"
        )
    for fix in found.fixes:
        if fix.fixed_at(kubelet) is True:
            continue
        lines.append(f"  kubelet fix {fix.ref}: {fix.what}: fixed in {fix.advice()}")
    return lines


class Verdict(NamedTuple):
    """Why the output does not run on a version (``missing``), and what runs there with a known risk."""

    missing: list[str]
    risks: list[str]


def verdict(found: Preflight, asked: Version | Patch) -> Verdict:
    """What ``asked`` lacks: fields it does not have (or has only if no Service names a port), and kubelet bugs."""
    minor = asked[:2]
    missing, risks = [], []
    for need in found.found:
        if minor >= need.feature.since:
            continue
        text = f"{need.feature.label} ({need.feature.field}) needs {need.feature.since_text}"
        if need.condition:
            risks.append(f"{text}, {need.condition}")
        else:
            missing.append(text)
    for fix in found.fixes:
        has = fix.fixed_at(asked)
        if has is False:
            risks.append(f"kubelets {version_text(asked)} have a bug: {fix.what} (fixed in {fix.advice()})")
        elif has is None:
            risks.append(f"{fix.what}: fixed in {fix.advice()}; check the kubelets' patch release")
    return Verdict(missing, risks)


def summary(found: Sequence[tuple[str, Preflight]], asked: Version | Patch | None) -> tuple[list[str], bool]:
    """The lines under ``seq-fn plan``'s output (the whole input's needs), and whether it runs on ``asked``."""
    wanted = [(title, p) for title, p in found if p]
    if not wanted:
        return [], True
    control = max(p.control_plane for _, p in wanted)
    kubelet = max(p.kubelet for _, p in wanted)
    fixes = dict.fromkeys(fix for _, p in wanted for fix in p.fixes if fix.fixed_at(kubelet) is not True)
    patches = "".join(f"; with {fix.ref} fixed: {fix.advice()}" for fix in fixes)
    lines = [
        f"the output needs Kubernetes: control plane {version_text(control)} or newer, kubelets "
        f"{version_text(kubelet)} or newer{patches}"
    ]
    if asked is None:
        return lines, True
    missing = [(title, why) for title, p in wanted for why in verdict(p, asked).missing]
    risks = [(title, why) for title, p in wanted for why in verdict(p, asked).risks]
    answer = "no" if missing else "yes, with these risks" if risks else "yes"
    lines.append(f"on Kubernetes {version_text(asked)}: {answer}" + (":" if missing or risks else ""))
    lines.extend(f"  {title}: {why}" for title, why in [*missing, *risks])
    return lines, not missing


def as_json(found: Preflight, asked: Version | Patch | None) -> dict[str, Any]:
    """``plan -o json``'s ``needs`` of one pod template."""
    out: dict[str, Any] = {
        "controlPlane": version_text(found.control_plane) if found else None,
        "kubelet": version_text(found.kubelet) if found else None,
        "fields": [
            {
                "feature": n.feature.label,
                "field": n.feature.field,
                "since": n.feature.since_text,
                "stages": [{"version": version_text(v), "stage": s} for v, s in n.feature.stages],
                "gate": n.feature.gate or None,
                "path": n.path,
                "condition": n.condition or None,
                "source": n.feature.source,
            }
            for n in found.found
        ],
        "kubeletFixes": [
            {"what": fix.what, "fixedIn": [version_text(p) for p in fix.fixed_in], "source": fix.source}
            for fix in found.fixes
        ],
    }
    if asked is not None:
        judged = verdict(found, asked)
        out["runsOn"] = {"version": version_text(asked), "missing": judged.missing, "risks": judged.risks}
    return out
