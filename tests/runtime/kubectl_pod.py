"""Run seq-fn's ``seq-fn-wait`` container as a Pod runs it: the real kubectl, in-cluster config, no kubeconfig.

What is real: the ``kubectl`` binary installed on this machine (static, bind-mounted read-only into the container
as an image would carry it), the script and arguments exactly as seq-fn wrote them into the container's
``command``, and what the container spec says about how it runs: user, read-only root filesystem (with no tmpfs
on ``/tmp``, which podman adds by default and Kubernetes does not), no capabilities, no privilege escalation, the
memory and CPU limits, the environment (``KUBECACHEDIR``) and the emptyDir mounts. Around it, what the kubelet
gives every container with a service account and nothing else: ``KUBERNETES_SERVICE_HOST`` and
``KUBERNETES_SERVICE_PORT``, and ``token``, ``ca.crt`` and ``namespace`` read-only at
``/var/run/secrets/kubernetes.io/serviceaccount`` (or at the mount of seq-fn's own token volume). No kubeconfig
exists anywhere in the container; ``HOME`` is ``/`` as the image's ``/etc/passwd`` says for uid 65534, as on Alpine.

Stand-ins, labelled: the API server is :mod:`tests.runtime.apiserver` (HTTPS, token, RBAC, discovery; none can be
installed here), reached on loopback with ``--network host`` in place of the Service IP a Pod dials; the image is
Debian's static busybox with the applets the script uses (Alpine's busybox, in the default ``alpine/kubectl`` image,
has the same ones: ``od``, ``tr``, ``timeout``, float ``sleep``, ``$RANDOM``; that image cannot be pulled here);
``spec.nodeName`` comes from the test (podman has no node); the Pod is one ``podman run`` rather than a kubelet,
so init-container ordering is not what this shows (the other runtime tests play whole Pods).
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.runtime import podman
from tests.runtime.apiserver import ApiServer, Credentials, make_credentials

#: Where the kubelet mounts the service-account files, and where kubectl's in-cluster config reads them.
SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"
#: The applets seq-fn-wait's script runs (all in Alpine's busybox too).
APPLETS = ("sh", "nc", "wget", "timeout", "date", "grep", "test", "sleep", "echo", "cat", "true", "printf", "od",
           "tr", "cut")  # fmt: skip
_CONTENT = hashlib.sha256(" ".join(APPLETS).encode()).hexdigest()[:12]
IMAGE = f"localhost/seq-fn-test-kubectl-pod-21:{_CONTENT}"
#: Alpine's PATH; kubectl is mounted at /usr/bin/kubectl, where alpine/kubectl has it.
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
NODE = "node-a"


def real_kubectl() -> Path:
    """The real kubectl binary: ``$SEQ_FN_TEST_KUBECTL``, else the ``kubectl`` on PATH.

    Some distributions install a dispatcher as ``kubectl`` that runs a versioned ``kubectl.1.NN`` next to it; the
    newest of those is the real binary then (a dispatcher alone in a container has nothing to dispatch to).
    """
    chosen = os.environ.get("SEQ_FN_TEST_KUBECTL") or shutil.which("kubectl")
    assert chosen, "kubectl is not installed (set SEQ_FN_TEST_KUBECTL to a static kubectl binary)"
    path = Path(chosen).resolve()
    version = subprocess.run([str(path), "version", "--client"], capture_output=True, text=True, timeout=60,
                             check=False).stdout  # fmt: skip
    if "dispatcher" in version:
        versioned = sorted(glob.glob(f"{path}.1.*"), key=lambda p: int(p.rsplit(".", 1)[1]))
        assert versioned, f"{path} is a dispatcher with no kubectl.1.NN beside it"
        path = Path(versioned[-1])
    return path


def kubectl_version(kubectl: Path) -> str:
    """``v1.33.1``: the client version of ``kubectl``."""
    out = subprocess.run([str(kubectl), "version", "--client"], capture_output=True, text=True, timeout=60,
                         check=False).stdout  # fmt: skip
    found = re.search(r"v\d+\.\d+\.\d+", out)
    return found.group(0) if found else "unknown"


#: The same with the host's ``dash`` as ``sh`` (and the libraries it loads): Debian's static busybox runs its own
#: ``date`` and ``sleep`` before any on PATH, so a simulated clock (``benchmarks.wait_polling``) needs another shell;
#: Alpine's busybox looks commands up on PATH (``FEATURE_PREFER_APPLETS`` is off there). dash has no ``$RANDOM``,
#: so the script's ``/dev/urandom`` path is the one it takes.
DASH_IMAGE = f"localhost/seq-fn-test-kubectl-pod-dash-21:{_CONTENT}"


def image() -> str:
    """The busybox image, built once per machine (podman caches it)."""
    podman.environment()
    podman.busybox_image(IMAGE, APPLETS)
    return IMAGE


def dash_image() -> str:
    """:data:`DASH_IMAGE`, built once per machine."""
    podman.environment()
    if podman.image_exists(DASH_IMAGE):
        return DASH_IMAGE
    dash, busybox = shutil.which("dash"), shutil.which("busybox")
    assert dash and busybox, "dash and busybox-static are needed"
    libraries = re.findall(r"(/\S+) \(0x", subprocess.run(["ldd", dash], capture_output=True, text=True,
                                                          check=True).stdout)  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "rootfs"
        for folder in ("bin", "etc", "tmp"):
            (root / folder).mkdir(parents=True)
        shutil.copy(busybox, root / "bin" / "busybox")
        shutil.copy(dash, root / "bin" / "sh")
        for applet in APPLETS:
            if applet != "sh":
                (root / "bin" / applet).symlink_to("busybox")
        for library in libraries:
            target = root / library.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(library, target)
        (root / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n")
        (root / "etc" / "group").write_text("root:x:0:\nnogroup:x:65534:\n")
        tar = subprocess.run(["tar", "-C", str(root), "-c", "."], capture_output=True, check=True).stdout
        podman.podman("import", "--change", "ENV PATH=/bin", "-", DASH_IMAGE, stdin=tar)
    return DASH_IMAGE


@dataclass
class Cluster:
    """A stub API server and the service-account files a Pod of ``namespace``/``account`` gets."""

    server: ApiServer
    credentials: Credentials
    account_dir: Path

    @classmethod
    def start(cls, folder: Path, namespace: str = "shop", account: str = "default") -> Cluster:
        credentials = make_credentials(folder / "pki")
        token = hashlib.sha256(os.urandom(16)).hexdigest()
        account_dir = folder / "serviceaccount"
        account_dir.mkdir(parents=True)
        (account_dir / "token").write_text(token)
        (account_dir / "namespace").write_text(namespace)
        shutil.copy(credentials.ca, account_dir / "ca.crt")
        for path in account_dir.iterdir():
            path.chmod(0o644)  # the kubelet's defaultMode 0644: readable by the container's uid
        server = ApiServer(credentials, token, user=f"system:serviceaccount:{namespace}:{account}").start()
        return cls(server, credentials, account_dir)

    def stop(self) -> None:
        self.server.stop()


@dataclass
class Ran:
    """What one run of the container printed, how it exited and how long it took."""

    code: int
    stdout: str
    stderr: str
    seconds: float


def podman_args(container: Mapping[str, Any], cluster: Cluster, *, automount: bool = True,
                extra_mounts: Sequence[str] = (), extra_env: Mapping[str, str] | None = None,
                run_image: str | None = None) -> list[str]:  # fmt: skip
    """``podman run`` arguments for the ``seq-fn-wait`` container spec, as the kubelet would run it."""
    kubectl = real_kubectl()
    args = ["run", "--rm", "--network", "host", "--pull", "never", "--cap-drop", "ALL",
            "--security-opt", "no-new-privileges", "-v", f"{kubectl}:/usr/bin/kubectl:ro",
            "-e", f"PATH={PATH}", "-e", "KUBERNETES_SERVICE_HOST=127.0.0.1",
            "-e", f"KUBERNETES_SERVICE_PORT={cluster.server.port}"]  # fmt: skip
    security = container.get("securityContext") or {}
    if security.get("readOnlyRootFilesystem"):
        args += ["--read-only", "--read-only-tmpfs=false"]  # Kubernetes mounts no tmpfs on /tmp
    if "runAsUser" in security:
        args += ["--user", f"{security['runAsUser']}:{security.get('runAsGroup', security['runAsUser'])}"]
    limits = (container.get("resources") or {}).get("limits") or {}
    if "memory" in limits:
        args += ["--memory", str(limits["memory"]).replace("Mi", "m")]
    if "cpu" in limits:
        cpu = str(limits["cpu"])
        args += ["--cpus", str(int(cpu[:-1]) / 1000 if cpu.endswith("m") else float(cpu))]
    for entry in container.get("env") or ():
        if "value" in entry:
            args += ["-e", f"{entry['name']}={entry['value']}"]
        elif entry.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "spec.nodeName":
            args += ["-e", f"{entry['name']}={NODE}"]
    args += _mounts(container, cluster, automount)
    for name, value in (extra_env or {}).items():
        args += ["-e", f"{name}={value}"]
    args += list(extra_mounts)
    return [*args, run_image or image(), *container["command"], *(container.get("args") or ())]


def _mounts(container: Mapping[str, Any], cluster: Cluster, automount: bool) -> list[str]:
    """The container's volume mounts, and the service account the kubelet mounts unless the Pod opts out."""
    args: list[str] = []
    mounted_account = False
    for mount in container.get("volumeMounts") or ():
        if mount["mountPath"] == SERVICE_ACCOUNT:  # seq-fn's own token volume: the same three files
            args += ["-v", f"{cluster.account_dir}:{SERVICE_ACCOUNT}:ro"]
            mounted_account = True
        elif mount["name"] == "seq-fn-wait-cache":  # an emptyDir: writable by any uid, as Kubernetes makes it
            args += ["--mount", f"type=tmpfs,destination={mount['mountPath']},tmpfs-mode=1777"]
        else:
            raise AssertionError(f"no stand-in for the volume {mount['name']}")
    if automount and not mounted_account:
        args += ["-v", f"{cluster.account_dir}:{SERVICE_ACCOUNT}:ro"]
    return args


def run(container: Mapping[str, Any], cluster: Cluster, *, timeout: float = 300, **options: Any) -> Ran:
    """Run the container to its end; its output and exit code."""
    args = podman_args(container, cluster, **options)
    started = time.monotonic()
    done = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout, check=False)
    return Ran(done.returncode, done.stdout, done.stderr, time.monotonic() - started)
