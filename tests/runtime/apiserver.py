"""A stub Kubernetes API server for kubectl running as a Pod runs it: HTTPS, a bearer token, RBAC, discovery.

Stand-in, labelled: no kube-apiserver can be installed on these machines, so this server answers the requests
kubectl makes, the way a v1.36 API server answers them:

- TLS with a server certificate for ``127.0.0.1`` signed by a CA made for the run (:func:`make_credentials`, with
  the ``openssl`` command), which the Pod trusts through ``ca.crt`` as it trusts the cluster's;
- every request must carry ``Authorization: Bearer <token>``, the token in the Pod's ``token`` file: 401 otherwise;
- the token is the service account ``system:serviceaccount:<namespace>:<name>``, and what it may read is decided
  by the RBAC objects the test gives (:meth:`ApiServer.allow`, normally exactly the Role/ClusterRole and bindings
  seq-fn wrote), evaluated as the RBAC authorizer does (verb from method, name and ``watch``; ``resourceNames``
  apply to ``get``, and to ``list``/``watch`` only with a ``metadata.name`` field selector; a RoleBinding may
  bind a ClusterRole within its namespace); discovery (``/api``, ``/apis``, ``/version``...) is open to every
  authenticated user (``system:discovery``); anything else is 403 with the API server's Forbidden ``Status``;
- discovery is served aggregated (``apidiscovery.k8s.io/v2``, what kubectl asks for first, two requests) and per
  group version (the older path), from :data:`RESOURCES`;
- objects are stored by URL; a list filters by ``labelSelector`` and ``fieldSelector`` (equality terms) on the
  server side, as the API server does; a missing object is 404 with the NotFound ``Status``; v1 Endpoints answers
  carry the deprecation ``Warning`` header servers send from 1.33.

What it does not do: admission, watch, server-side apply, paging past one page, protobuf, or anything kubectl does
not ask for in these waits. Every request is logged (:attr:`ApiServer.requests`) for tests and the benchmark.
"""

from __future__ import annotations

import http.server
import json
import ssl
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: (group, version, resource, kind, namespaced): what the stub serves, and its discovery.
RESOURCES: tuple[tuple[str, str, str, str, bool], ...] = (
    ("", "v1", "pods", "Pod", True),
    ("", "v1", "endpoints", "Endpoints", True),
    ("", "v1", "services", "Service", True),
    ("", "v1", "namespaces", "Namespace", False),
    ("apps", "v1", "daemonsets", "DaemonSet", True),
    ("apps", "v1", "deployments", "Deployment", True),
    ("batch", "v1", "jobs", "Job", True),
    ("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", True),
    ("cert-manager.io", "v1", "certificates", "Certificate", True),
    ("cert-manager.io", "v1", "clusterissuers", "ClusterIssuer", False),
    ("postgres-operator.crunchydata.com", "v1beta1", "postgresclusters", "PostgresCluster", True),
)
AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
ENDPOINTS_WARNING = "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"
#: Paths every authenticated user may read (the system:discovery and system:public-info-viewer ClusterRoles).
OPEN_PATHS = ("/api", "/apis", "/version", "/healthz", "/livez", "/readyz", "/openapi")


@dataclass(frozen=True)
class Credentials:
    """The files of a run: the CA the Pod trusts, the server's certificate and key."""

    ca: Path
    cert: Path
    key: Path


def make_credentials(folder: Path) -> Credentials:
    """A CA, and a certificate for ``127.0.0.1`` (and ``kubernetes.default.svc``) signed by it, with ``openssl``."""
    folder.mkdir(parents=True, exist_ok=True)
    ca, ca_key = folder / "ca.crt", folder / "ca.key"
    cert, key, csr, ext = folder / "server.crt", folder / "server.key", folder / "server.csr", folder / "server.ext"

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca), "-days", "2",
        "-subj", "/CN=seq-fn-test-ca", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")  # fmt: skip
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", "/CN=kube-apiserver")
    ext.write_text(
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
        "subjectAltName=IP:127.0.0.1,DNS:kubernetes.default.svc,DNS:localhost\n"
    )
    run("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial", "-out", str(cert),
        "-days", "2", "-extfile", str(ext))  # fmt: skip
    for path in (ca, cert, key):
        path.chmod(0o644)
    return Credentials(ca, cert, key)


@dataclass
class Request:
    """One request the stub got, and how it answered."""

    at: float
    method: str
    url: str
    user: str
    verb: str
    code: int

    @property
    def path(self) -> str:
        return self.url.split("?", 1)[0]

    @property
    def discovery(self) -> bool:
        return _open(self.path)


@dataclass
class Attributes:
    """What RBAC decides on: the verb, and the resource and where it is (``namespace`` "": cluster scope)."""

    verb: str
    group: str
    resource: str
    namespace: str
    name: str
    kind: str = ""


@dataclass
class ApiServer:
    """The stub; :meth:`start` it, :meth:`put` objects, :meth:`allow` RBAC, read :attr:`requests`."""

    credentials: Credentials
    token: str
    user: str = "system:serviceaccount:shop:default"
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    rbac: list[dict[str, Any]] = field(default_factory=list)
    #: Called before each answer (after the request is logged): a test changes objects from here.
    before_answer: Callable[[Request], None] | None = None
    port: int = 0
    _server: http.server.ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- objects and RBAC -------------------------------------------------------------------------------------
    def put(self, obj: Mapping[str, Any]) -> None:
        """Store ``obj`` (replacing one of that name) where the API serves it."""
        with self._lock:
            self.objects[_object_path(obj)] = json.loads(json.dumps(obj))

    def delete(self, obj: Mapping[str, Any]) -> None:
        with self._lock:
            self.objects.pop(_object_path(obj), None)

    def allow(self, rbac: Iterable[Mapping[str, Any]]) -> None:
        """Authorize with exactly these Roles, ClusterRoles and bindings (seq-fn's output, as plain data)."""
        self.rbac = [json.loads(json.dumps(o)) for o in rbac]

    def authorized(self, attributes: Attributes) -> bool:
        """The RBAC authorizer's answer for :attr:`user` (a service account) and ``attributes``."""
        _, _, sa_namespace, sa_name = self.user.split(":")
        roles = {(o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]): o for o in self.rbac
                 if o.get("kind") in ("Role", "ClusterRole")}  # fmt: skip
        for binding in self.rbac:
            kind = binding.get("kind")
            if kind not in ("RoleBinding", "ClusterRoleBinding"):
                continue
            if not any(s.get("kind") == "ServiceAccount" and s.get("name") == sa_name
                       and s.get("namespace") == sa_namespace for s in binding.get("subjects") or ()):  # fmt: skip
                continue
            where = binding["metadata"].get("namespace", "") if kind == "RoleBinding" else None
            if where is not None and where != attributes.namespace:
                continue  # a RoleBinding grants in its own namespace only
            ref = binding["roleRef"]
            role = roles.get((ref["kind"], where if ref["kind"] == "Role" else "", ref["name"]))
            if role and any(_rule_allows(rule, attributes) for rule in role.get("rules") or ()):
                return True
        return False

    # -- serving ----------------------------------------------------------------------------------------------
    def start(self) -> ApiServer:
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return

            def do_GET(self) -> None:  # http.server's name
                code, body, headers = server.answer("GET", self.path, dict(self.headers.items()))
                data = json.dumps(body).encode()
                self.send_response(code)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.credentials.cert, self.credentials.key)
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        httpd.daemon_threads = True
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        self._server, self.port = httpd, httpd.server_address[1]
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def answer(self, method: str, url: str, headers: Mapping[str, str]) -> tuple[int, Any, dict[str, str]]:
        """The status code, body and extra headers of one request."""
        path, _, query_text = url.partition("?")
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(query_text).items()}
        auth = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
        user = self.user if auth == f"Bearer {self.token}" else ""
        attributes = None if _open(path) else _attributes(path, query)
        verb = attributes.verb if attributes else "get"
        request = Request(time.time(), method, url, user, verb, 0)
        with self._lock:
            self.requests.append(request)
        if self.before_answer is not None:
            self.before_answer(request)
        code, body, extra = self._answer(path, query, headers, user, attributes)
        request.code = code
        return code, body, extra

    def _answer(self, path: str, query: Mapping[str, str], headers: Mapping[str, str], user: str,
                attributes: Attributes | None) -> tuple[int, Any, dict[str, str]]:  # fmt: skip
        if not user:
            return 401, _status(401, "Unauthorized", "Unauthorized"), {}
        if attributes is None:
            return self._discovery(path, {k.lower(): v for k, v in headers.items()}.get("accept", ""))
        if not attributes.resource or attributes.kind == "":
            return 404, _status(404, "NotFound", "the server could not find the requested resource"), {}
        if not self.authorized(attributes):
            return 403, _forbidden(self.user, attributes), {}
        return self._read(path, query, attributes)

    def _read(self, path: str, query: Mapping[str, str], attributes: Attributes) -> tuple[int, Any, dict[str, str]]:
        """An authorized get or list."""
        extra = {"Warning": f'299 - "{ENDPOINTS_WARNING}"'} if (attributes.group, attributes.resource) == (
            "", "endpoints") else {}  # fmt: skip
        with self._lock:
            if attributes.verb == "get":
                found = self.objects.get(path)
                if found is None:
                    what = attributes.resource + (f".{attributes.group}" if attributes.group else "")
                    body = _status(404, "NotFound", f'{what} "{attributes.name}" not found')
                    body["details"] = {"name": attributes.name, "group": attributes.group, "kind": attributes.resource}
                    return 404, body, extra
                return 200, json.loads(json.dumps(found)), extra
            items = [json.loads(json.dumps(o)) for p, o in sorted(self.objects.items())
                     if p.rsplit("/", 1)[0] == path and _selected(o, query)]  # fmt: skip
        group_version = _group_version(attributes.group)
        return 200, {"kind": f"{attributes.kind}List", "apiVersion": group_version,
                     "metadata": {"resourceVersion": "1"}, "items": items}, extra  # fmt: skip

    def _discovery(self, path: str, accept: str) -> tuple[int, Any, dict[str, str]]:
        aggregated = "g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList" in accept
        if path == "/version":
            return 200, {"major": "1", "minor": "36", "gitVersion": "v1.36.2", "platform": "linux/amd64"}, {}
        if path in ("/api", "/apis"):
            core = path == "/api"
            if aggregated:
                return 200, _aggregated(core), {"Content-Type": AGGREGATED}
            if core:
                return 200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                    {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}]}, {}  # fmt: skip
            groups = []
            for group in dict.fromkeys(g for g, *_ in RESOURCES if g):
                version = next(v for g, v, *_ in RESOURCES if g == group)
                found = {"groupVersion": f"{group}/{version}", "version": version}
                groups.append({"name": group, "versions": [found], "preferredVersion": found})
            return 200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}, {}
        parts = path.strip("/").split("/")
        group, version = ("", parts[1]) if parts[0] == "api" and len(parts) == 2 else (
            (parts[1], parts[2]) if parts[0] == "apis" and len(parts) == 3 else ("?", "?"))  # fmt: skip
        listed = [r for r in RESOURCES if r[0] == group and r[1] == version]
        if not listed:
            return 404, _status(404, "NotFound", "the server could not find the requested resource"), {}
        return 200, {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": _group_version(group, version),
                     "resources": [{"name": r, "singularName": k.lower(), "namespaced": ns, "kind": k,
                                    "verbs": ["get", "list", "watch"]} for _, _, r, k, ns in listed]}, {}  # fmt: skip

    # -- what the log shows -----------------------------------------------------------------------------------
    def resource_requests(self) -> list[Request]:
        """The requests for objects (not discovery)."""
        return [r for r in self.requests if not r.discovery]


def _open(path: str) -> bool:
    """Discovery and other non-resource paths every authenticated user may read."""
    if path in OPEN_PATHS or path.startswith("/openapi/"):
        return True
    parts = path.strip("/").split("/")
    return (parts[0] == "api" and len(parts) == 2) or (parts[0] == "apis" and len(parts) in (2, 3))


def _group_version(group: str, version: str | None = None) -> str:
    version = version or next(v for g, v, *_ in RESOURCES if g == group)
    return f"{group}/{version}" if group else version


def _object_path(obj: Mapping[str, Any]) -> str:
    api_version, kind = str(obj["apiVersion"]), str(obj["kind"])
    group, _, version = api_version.rpartition("/")
    entry = next(r for r in RESOURCES if (r[0], r[1], r[3]) == (group, version, kind))
    root = f"/apis/{group}/{version}" if group else f"/api/{version}"
    metadata = obj["metadata"]
    where = f"/namespaces/{metadata['namespace']}" if entry[4] else ""
    return f"{root}{where}/{entry[2]}/{metadata['name']}"


def _attributes(path: str, query: Mapping[str, str]) -> Attributes:
    """RBAC's request attributes for a resource path (``kind`` "": a resource the stub does not serve)."""
    parts = path.strip("/").split("/")
    if parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    else:
        group, version, rest = parts[1], parts[2], parts[3:]
    namespace = ""
    if len(rest) >= 2 and rest[0] == "namespaces" and len(rest) != 2:
        namespace, rest = rest[1], rest[2:]
    resource, name = ([*rest, "", ""])[:2]
    verb = "watch" if query.get("watch") in ("1", "true") else "get" if name else "list"
    fields = dict(t.split("=", 1) for t in query.get("fieldSelector", "").split(",") if "=" in t)
    if verb != "get" and "metadata.name" in fields:
        name = fields["metadata.name"]  # as the API server does: list/watch of one name can use resourceNames
    entry = next((r for r in RESOURCES if (r[0], r[1], r[2]) == (group, version, resource)), None)
    served = entry is not None and (bool(namespace) == entry[4] or (entry[4] and verb != "get"))
    kind = entry[3] if served and entry else ""
    return Attributes(verb, group, resource, namespace, name, kind)


def _rule_allows(rule: Mapping[str, Any], a: Attributes) -> bool:
    def has(key: str, value: str) -> bool:
        values = rule.get(key) or []
        return "*" in values or value in values

    if not (has("verbs", a.verb) and has("apiGroups", a.group) and has("resources", a.resource)):
        return False
    names = rule.get("resourceNames") or []
    return not names or (bool(a.name) and a.name in names)


def _selected(obj: Mapping[str, Any], query: Mapping[str, str]) -> bool:
    """Whether ``obj`` matches the equality terms of the label and field selectors."""
    labels = (obj.get("metadata") or {}).get("labels") or {}
    for term in filter(None, query.get("labelSelector", "").split(",")):
        key, _, value = term.replace("==", "=").partition("=")
        if labels.get(key) != value:
            return False
    for term in filter(None, query.get("fieldSelector", "").split(",")):
        key, _, value = term.replace("==", "=").partition("=")
        found: Any = obj
        for part in key.split("."):
            found = found.get(part) if isinstance(found, Mapping) else None
        if str(found if found is not None else "") != value:
            return False
    return True


def _aggregated(core: bool) -> dict[str, Any]:
    """``/api`` or ``/apis`` as aggregated discovery (``apidiscovery.k8s.io/v2``)."""
    items = []
    for group in dict.fromkeys(g for g, *_ in RESOURCES if (g == "") == core):
        versions: dict[str, list[dict[str, Any]]] = {}
        for g, version, resource, kind, namespaced in RESOURCES:
            if g == group:
                versions.setdefault(version, []).append(
                    {"resource": resource, "responseKind": {"group": g, "version": version, "kind": kind},
                     "scope": "Namespaced" if namespaced else "Cluster", "singularResource": kind.lower(),
                     "verbs": ["get", "list", "watch"]})  # fmt: skip
        found = [{"version": v, "resources": r, "freshness": "Current"} for v, r in versions.items()]
        items.append({"metadata": {"name": group}, "versions": found})
    return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items}


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}  # fmt: skip


def _forbidden(user: str, a: Attributes) -> dict[str, Any]:
    """The API server's Forbidden ``Status``, worded as the RBAC authorizer words it."""
    what = a.resource + (f".{a.group}" if a.group else "")
    subject = f'{what} "{a.name}"' if a.verb == "get" and a.name else what
    scope = f'in the namespace "{a.namespace}"' if a.namespace else "at the cluster scope"
    message = (f'{subject} is forbidden: User "{user}" cannot {a.verb} resource "{a.resource}" in API group '
               f'"{a.group}" {scope}')  # fmt: skip
    body = _status(403, "Forbidden", message)
    body["details"] = {"group": a.group, "kind": a.resource, **({"name": a.name} if a.verb == "get" else {})}
    return body
