"""``seq-fn.dev/wait-for`` in real containers: the ``seq-fn-wait`` init container waits for a TCP port, an HTTP
endpoint and a file that come up late, and gives up with a message on one that never does.

The dependencies live on the host (a listener, an HTTP server, a hostPath directory) and the Pod uses the host's
network, so "outside the Pod" is real. Stand-ins, labelled: the image is Debian's static busybox (the default image
is busybox 1.36.1 from Docker Hub, which these machines cannot pull), whose ``nc`` has no ``-z``, so the script's
fallback (connect, then end of an empty stdin) is what runs here; ``imagePullPolicy: Never`` is added for podman.
"""

from __future__ import annotations

import http.server
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import krm_fn
from tests.runtime import podman

pytestmark = pytest.mark.runtime

APPLETS = ("sh", "nc", "wget", "timeout", "date", "grep", "test", "sleep", "echo", "cat", "true")
#: Built by this module; the name changes when the applets do (podman keeps an image once built).
IMAGE = "localhost/seq-fn-test-busybox-net:2"


@pytest.fixture(scope="module", autouse=True)
def net_image() -> None:
    """A busybox image with the applets seq-fn-wait uses (the suite's own busybox image has no nc or wget)."""
    podman.busybox_image(IMAGE, APPLETS)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def late_dependencies(tmp_path: Path) -> Iterator[tuple[int, int, Path]]:
    """A TCP listener, an HTTP server and a file, each appearing 3 s from now."""
    tcp_port, http_port = free_port(), free_port()
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    stop = threading.Event()
    servers: list[Any] = []
    held: list[socket.socket] = []

    def bring_up() -> None:
        time.sleep(3)
        listener = socket.create_server(("127.0.0.1", tcp_port))
        servers.append(listener)
        web = http.server.HTTPServer(("127.0.0.1", http_port), http.server.SimpleHTTPRequestHandler)
        servers.append(web)
        threading.Thread(target=web.serve_forever, daemon=True).start()
        (shared / "ready").write_text("ok\n")
        (shared / "ready").chmod(0o644)
        while not stop.is_set():
            listener.settimeout(0.5)
            try:
                held.append(listener.accept()[0])  # kept open, as a database keeps a connection it waits on
            except OSError:
                continue

    thread = threading.Thread(target=bring_up, daemon=True)
    thread.start()
    yield tcp_port, http_port, shared
    stop.set()
    thread.join(timeout=5)
    for connection in held:
        connection.close()
    for server in servers:
        if isinstance(server, http.server.HTTPServer):
            server.shutdown()
            server.server_close()
        else:
            server.close()


def sequenced_pod(name: str, waits: str, timeout: str, shared: Path, app: str = "echo app started") -> dict[str, Any]:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "annotations": {"seq-fn.dev/wait-for": waits, "seq-fn.dev/wait-timeout": timeout}},
        "spec": {
            "restartPolicy": "Never",
            "hostNetwork": True,
            "volumes": [{"name": "shared", "hostPath": {"path": str(shared), "type": "Directory"}}],
            "containers": [
                {
                    "name": "app",
                    "image": IMAGE,
                    "command": ["sh", "-c", app],
                    "volumeMounts": [{"name": "shared", "mountPath": "/shared"}],
                }
            ],
        },
    }
    out = krm_fn.sequence(pod, {"waitFor": {"image": IMAGE}})
    for container in [*out["spec"]["initContainers"], *out["spec"]["containers"]]:
        container["imagePullPolicy"] = "Never"  # stand-in: podman must not try to pull the local image
    # podman 4.3 refuses annotation values over 63 characters (it checks them as labels): the Pod it plays keeps
    # only the annotations podman needs; the wait is in the container seq-fn wrote.
    out["metadata"]["annotations"] = {}
    return podman.as_pod(out, name=name)


def logs(container: str) -> str:
    """stdout and stderr of a container (``podman logs`` replays them on its own two streams)."""
    done = subprocess.run(["podman", "logs", container], capture_output=True, timeout=60, check=False)
    return (done.stdout + done.stderr).decode()


def test_the_wait_holds_the_pod_until_late_dependencies_are_up(tmp_path: Path, late_dependencies) -> None:
    tcp_port, http_port, shared = late_dependencies
    waits = f"tcp://127.0.0.1:{tcp_port},http://127.0.0.1:{http_port}/,file:/shared/ready"
    # The app checks for itself that every dependency is up when it starts.
    app = (
        f"test -e /shared/ready && nc -w 2 127.0.0.1 {tcp_port} -e true && "
        f"wget -q -O /dev/null http://127.0.0.1:{http_port}/ && echo app started"
    )
    pod = sequenced_pod("seq-fn-wait-late", waits, "60s", shared, app)
    played = podman.play(pod, tmp_path)
    try:
        assert played.play_code == 0, played.play_output
        played.wait(["app"])
        written = logs(f"{played.name}-seq-fn-wait")
        for dependency in waits.split(","):
            assert f"seq-fn-wait: {dependency} is ready" in written, written
        assert "seq-fn-wait: waiting for" in written
        assert played.state("app").exit_code == 0 and "app started" in played.logs("app")
        assert played.state("seq-fn-wait").finished < played.state("app").started
    finally:
        podman.cleanup(played, pod)


def test_a_dependency_that_never_comes_fails_the_pod_with_a_message(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    missing = f"tcp://127.0.0.1:{free_port()}"
    pod = sequenced_pod("seq-fn-wait-never", missing, "3s", shared)
    played = podman.play(pod, tmp_path)
    try:
        assert played.play_code != 0, "an init container that gives up fails the Pod"
        written = logs(f"{played.name}-seq-fn-wait")
        assert f"seq-fn-wait: {missing} is still not ready after 3s (seq-fn.dev/wait-timeout): giving up" in written
        assert played.state("seq-fn-wait").exit_code == 1
        assert played.state("app").status != "exited", "the app never ran"
    finally:
        podman.cleanup(played, pod)
