"""Startup gates derived for known sidecars without probes (the endpoint each project fixes).

The golden case ``known-proxy-startup-gates`` shows the written probes; these tests pin how the flags and
environment that decide the Cloud SQL Auth Proxy's endpoint are read, since a mistake there writes a probe that
never answers (the kubelet would then kill the proxy when the budget runs out).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from krm_fn.sequencing import known_sidecars
from tests.support.run import command

PROXY = "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.15.0"


def _proxy(args: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "cloud-sql-proxy", "image": PROXY, "args": args}
    if env:
        container["env"] = [{"name": k, "value": v} for k, v in env.items()]
    return container


@pytest.mark.parametrize(
    ("args", "env", "port"),
    [
        (["--health-check", "--http-address=0.0.0.0", "p:r:i"], None, 9090),
        (["--health-check", "p:r:i", "--http-address", "0.0.0.0", "--http-port", "9801"], None, 9801),
        (["--health-check=true", "--http-address=0.0.0.0", "--http-port=8090", "--http-port=9901"], None, 9901),
        (["p:r:i"], {"CSQL_PROXY_HEALTH_CHECK": "true", "CSQL_PROXY_HTTP_ADDRESS": "0.0.0.0"}, 9090),
        (["--http-port=7000", "p:r:i"], {"CSQL_PROXY_HEALTH_CHECK": "true", "CSQL_PROXY_HTTP_ADDRESS": "::"}, 7000),
    ],
)
def test_a_reachable_health_check_gives_the_startup_endpoint(args, env, port):
    assert known_sidecars.ready_endpoint(_proxy(args, env)) == known_sidecars.Ready(
        "/startup", port, known_sidecars.CLOUD_SQL_SOURCE
    )


@pytest.mark.parametrize(
    ("args", "env", "reason"),
    [
        (["p:r:i"], None, "only with --health-check"),
        (["--health-check=false", "--http-address=0.0.0.0"], None, "only with --health-check"),
        (["--health-check", "p:r:i"], None, "listens on localhost"),
        (["--health-check", "--http-address=127.0.0.1"], None, "listens on 127.0.0.1"),
        (["--health-check", "--http-address=0.0.0.0", "--http-port=http"], None, "not a port number"),
    ],
)
def test_an_endpoint_the_kubelet_cannot_reach_is_a_reason_not_a_probe(args, env, reason):
    found = known_sidecars.ready_endpoint(_proxy(args, env))
    assert isinstance(found, str) and reason in found


def test_the_v1_proxy_has_no_startup_endpoint():
    container = {
        "name": "cloudsql-proxy",
        "image": "gcr.io/cloudsql-docker/gce-proxy:1.33.2",
        "args": ["--health-check"],
    }
    assert "v1" in str(known_sidecars.ready_endpoint(container))


def test_linkerd_reads_its_admin_address_and_istio_its_status_port():
    linkerd = {"name": "linkerd-proxy", "image": "cr.l5d.io/linkerd/proxy:edge-25.4.4"}
    assert known_sidecars.ready_endpoint(linkerd) == ("/ready", 4191, known_sidecars.LINKERD_SOURCE)
    moved = {**linkerd, "env": [{"name": "LINKERD2_PROXY_ADMIN_LISTEN_ADDR", "value": "0.0.0.0:9995"}]}
    assert known_sidecars.ready_endpoint(moved) == ("/ready", 9995, known_sidecars.LINKERD_SOURCE)
    local = {**linkerd, "env": [{"name": "LINKERD2_PROXY_ADMIN_LISTEN_ADDR", "value": "127.0.0.1:4191"}]}
    assert "cannot probe" in str(known_sidecars.ready_endpoint(local))
    istio = {"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.27.1"}
    assert known_sidecars.ready_endpoint(istio) == ("/healthz/ready", 15021, known_sidecars.ISTIO_SOURCE)


def test_sidecars_whose_endpoint_lives_in_a_config_file_get_none():
    assert known_sidecars.ready_endpoint({"name": "envoy", "image": "envoyproxy/envoy:v1.33.0"}) is None
    assert known_sidecars.ready_endpoint({"name": "app", "image": "nginx:1.27"}) is None


def test_every_derived_endpoint_names_its_source_in_the_project():
    for source in (known_sidecars.LINKERD_SOURCE, known_sidecars.ISTIO_SOURCE, known_sidecars.CLOUD_SQL_SOURCE):
        assert source.startswith("https://github.com/")
    assert set(known_sidecars.gated_labels()) <= {k.label for k in known_sidecars.KNOWN}


def test_plan_shows_the_gate_each_known_proxy_got():
    case = Path(__file__).parent.parent / "golden" / "known-proxy-startup-gates" / "input.yaml"
    ran = command(["plan", str(case)])
    assert "startup gates: linkerd-proxy: startupProbe on its readiness endpoint /ready on port 4191" in ran.stdout
    assert "startup gates: cloud-sql-proxy: process start only" in ran.stdout
    gates = {
        view["resourceRef"]["name"]: view["startupGates"]
        for view in json.loads(command(["plan", "-o", "json", str(case)]).stdout)
    }
    assert gates["api"] == [
        "istio-proxy: startupProbe on its readiness endpoint /healthz/ready on port 15021, every 1 s for up to 2m"
    ]
