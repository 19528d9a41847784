"""Real containers under podman: local images built from Debian's static busybox, Pods played with ``kube play``.

podman traps this module works around (from the project's runtime notes): an emptyDir becomes a named volume
called exactly the volume's name, and an existing one is silently reused, so :func:`as_pod` gives the Pod and
every volume a name unique to this test run (others on the machine use podman too), and :func:`cleanup` removes
what the test made and nothing else; finished init containers are kept (annotation below) so their timestamps and
exit codes can be read; Jobs cannot be played, so a Job's pod template is played as a Pod.

The local images are tagged with a digest of what goes into them, so a changed stand-in gets a new image instead
of replacing one another checkout on the machine may be using.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from krm_fn.sdk import yamlio

HERE = Path(__file__).parent
APPLETS = ("sh", "echo", "sleep", "cat", "touch", "test", "cut", "date", "mkdir", "cp", "chmod", "rm", "ls",
           "printf", "tr", "timeout", "kill", "id", "env", "true", "false", "grep", "wc", "awk")  # fmt: skip
_CONTENT = hashlib.sha256(" ".join(APPLETS).encode() + (HERE / "entrypoint-standin.sh").read_bytes()).hexdigest()[:12]
BUSYBOX = f"localhost/seq-fn-test-busybox:{_CONTENT}"
STANDIN = f"localhost/seq-fn-test-entrypoint:{_CONTENT}"
KEEP_INIT = {"io.podman.annotations.init.container.type": "always"}
#: Names this test run's Pods and volumes end with: no other run, here or in another checkout, has them.
RUN_ID = uuid.uuid4().hex[:10]


def environment() -> None:
    """Point podman at this suite's settings (runc, cgroupfs, ulimits these machines can grant)."""
    os.environ["CONTAINERS_CONF"] = str(HERE / "containers.conf")


def podman(*args: str, check: bool = True, timeout: float = 300, stdin: bytes | None = None) -> str:
    """Run podman; fail with its stderr when it fails and ``check`` is set."""
    done = subprocess.run(["podman", *args], capture_output=True, timeout=timeout, input=stdin, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)} exited {done.returncode}: {done.stderr.decode()}")
    return done.stdout.decode()


def image_exists(name: str) -> bool:
    return subprocess.run(["podman", "image", "exists", name], check=False).returncode == 0


def build_images() -> None:
    """Build the busybox image and the entrypoint stand-in image once per machine (cached by podman)."""
    busybox = shutil.which("busybox")
    assert busybox, "busybox-static is not installed (apt-get install busybox-static)"
    for name, extra in ((BUSYBOX, False), (STANDIN, True)):
        if image_exists(name):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "rootfs"
            for folder in ("bin", "etc", "tmp", "ko-app"):
                (root / folder).mkdir(parents=True)
            shutil.copy(busybox, root / "bin" / "busybox")
            for applet in APPLETS:
                (root / "bin" / applet).symlink_to("busybox")
            (root / "etc" / "passwd").write_text(
                "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
                "nonroot:x:65532:65532:nonroot:/home/nonroot:/bin/false\n"
            )
            (root / "etc" / "group").write_text("root:x:0:\nnogroup:x:65534:\nnonroot:x:65532:\n")
            (root / "tmp").chmod(0o1777)
            changes = ["--change", "ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin"]
            if extra:
                shutil.copy(HERE / "entrypoint-standin.sh", root / "ko-app" / "entrypoint")
                (root / "ko-app" / "entrypoint").chmod(0o555)
                changes += ["--change", "USER 65532"]  # like Tekton's image: non-root
            tar = subprocess.run(["tar", "-C", str(root), "-c", "."], capture_output=True, check=True).stdout
            podman("import", *changes, "-", name, stdin=tar)


@dataclass(frozen=True)
class State:
    """What podman says of one container after the Pod ran."""

    status: str
    exit_code: int
    started: str
    finished: str


@dataclass
class PlayedPod:
    """A Pod that ``podman kube play`` ran; read its containers' states and logs."""

    name: str
    manifest: Path
    play_code: int
    play_output: str

    def wait(self, containers: Sequence[str], timeout: float = 120) -> None:
        """Wait until the named containers have exited."""
        podman("wait", *(f"{self.name}-{c}" for c in containers), timeout=timeout)

    def state(self, container: str) -> State:
        fmt = "{{.State.Status}}|{{.State.ExitCode}}|{{.State.StartedAt}}|{{.State.FinishedAt}}"
        status, code, started, finished = (
            podman("inspect", f"{self.name}-{container}", "--format", fmt).strip().split("|")
        )
        return State(status, int(code), started, finished)

    def logs(self, container: str) -> str:
        """The container's stdout and stderr, interleaved."""
        done = subprocess.run(["podman", "logs", f"{self.name}-{container}"], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=60, check=True)  # fmt: skip
        return done.stdout.decode()

    def down(self) -> None:
        podman("kube", "down", str(self.manifest), check=False)
        podman("pod", "rm", "-f", "-t", "0", self.name, check=False)


def busybox_image(name: str, applets: Sequence[str], files: Mapping[str, Path] | None = None) -> None:
    """Import ``name``: the static busybox with these applets in /bin, ``files`` (path -> source) added read-only,
    and root and nobody in /etc/passwd; nothing when the image exists (name it after what it holds)."""
    if image_exists(name):
        return
    busybox = shutil.which("busybox")
    assert busybox, "busybox-static is not installed"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "rootfs"
        for folder in ("bin", "etc", "tmp"):
            (root / folder).mkdir(parents=True)
        shutil.copy(busybox, root / "bin" / "busybox")
        for applet in applets:
            (root / "bin" / applet).symlink_to("busybox")
        for path, source in (files or {}).items():
            shutil.copy(source, root / path)
            (root / path).chmod(0o555)
        (root / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n")
        (root / "etc" / "group").write_text("root:x:0:\nnogroup:x:65534:\n")
        tar = subprocess.run(["tar", "-C", str(root), "-c", "."], capture_output=True, check=True).stdout
        podman("import", "--change", "ENV PATH=/bin", "-", name, stdin=tar)


def unique(name: str) -> str:
    """``name`` made unique to this test run."""
    return f"{name}-{RUN_ID}"


def as_pod(workload: Mapping[str, Any], *, name: str) -> dict[str, Any]:
    """The workload's pod spec as a Pod podman can play, with finished init containers kept.

    The Pod is named ``unique(name)`` and every volume ``unique(volume)``, mounts renamed to match.
    """
    kind = workload["kind"]
    if kind == "Pod":
        spec, metadata = workload["spec"], workload.get("metadata", {})
    elif kind == "CronJob":
        template = workload["spec"]["jobTemplate"]["spec"]["template"]
        spec, metadata = template["spec"], template.get("metadata", {})
    else:
        template = workload["spec"]["template"]
        spec, metadata = template["spec"], template.get("metadata", {})
    # podman 4.3's kube play refuses an annotation value over 63 characters (a label's limit; Kubernetes bounds only
    # the total size of a Pod's annotations, 256 KiB): seq-fn's undo record is left out of what podman plays.
    annotations = {k: v for k, v in dict(metadata.get("annotations") or {}).items() if k != "seq-fn.dev/undo"}
    annotations.update(KEEP_INIT)
    plain = yamlio.to_plain(spec)
    for volume in plain.get("volumes") or ():
        volume["name"] = unique(volume["name"])
    for key in ("initContainers", "containers"):
        for container in plain.get(key) or ():
            for mount in container.get("volumeMounts") or ():
                mount["name"] = unique(mount["name"])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": unique(name), "annotations": annotations},
            "spec": plain}  # fmt: skip


def volume_path(pod: Mapping[str, Any], volume: str, *parts: str) -> Path:
    """Where podman keeps the named volume that stands for the Pod's emptyDir ``volume`` (as named before
    :func:`as_pod`), and a path inside it: what a test reads after the Pod ran."""
    name = unique(volume)
    assert any(v["name"] == name for v in pod["spec"].get("volumes") or ()), f"no volume {volume} in the Pod"
    return Path(podman("volume", "inspect", name, "--format", "{{.Mountpoint}}").strip()).joinpath(*parts)


def play(pod: Mapping[str, Any], workdir: Path) -> PlayedPod:
    """Play a Pod made by :func:`as_pod`; ``kube play`` waits for its init containers."""
    name = pod["metadata"]["name"]
    assert name.endswith(RUN_ID), "play only Pods named for this run (as_pod does it)"
    manifest = workdir / f"{name}.yaml"
    manifest.write_text(yamlio.dump(pod))
    done = subprocess.run(["podman", "kube", "play", str(manifest)], capture_output=True, timeout=300, check=False)
    return PlayedPod(name, manifest, done.returncode, (done.stdout + done.stderr).decode())


def cleanup(played: PlayedPod, pod: Mapping[str, Any]) -> None:
    """Remove the Pod and its volumes: all named for this run, so nothing anyone else made."""
    played.down()
    volumes = [v["name"] for v in pod["spec"].get("volumes") or ()]
    if volumes:
        podman("volume", "rm", "-f", *volumes, check=False)
