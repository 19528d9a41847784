# seq-fn as a KRM container function: `kpt fn eval DIR --image <this image>`, Kptfile `image:`, kustomize
# `container: {image: ...}`, and the Argo CD plugin's sidecar (`seq-fn` is on PATH). Orchestrators run it as
# `--user nobody --network none`, often with a read-only root; it needs no network and writes nothing.
#
#   podman build -t localhost/seq-fn:dev .                      # or: docker build
#   podman build --build-arg BASE=localhost/python-base:bookworm --build-arg PIP_NO_INDEX=1 .   # offline, see below
#
# BASE is any image with python3 and its venv module (the official slim image by default). For an offline build,
# put the wheels of seq-fn's dependencies in wheels/ and pass PIP_NO_INDEX=1.
ARG BASE=python:3.12-slim

FROM ${BASE} AS builder
ARG PIP_NO_INDEX=
ENV PIP_NO_INDEX=${PIP_NO_INDEX} PIP_FIND_LINKS=/src/wheels PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY krm_fn ./krm_fn
COPY wheels ./wheels
# pip lives in a throw-away venv and installs into /opt/seq-fn, which never holds pip or setuptools (nor the .pth
# file setuptools adds, which every start would run). The dependencies' own test suites are left out. The bytecode
# is compiled here, once: the image's files are read-only for the user it runs as, so without it every start would
# compile every module again. unchecked-hash: no source is read or stat-compared at import, and the bytecode stays
# valid whatever mtimes a registry keeps.
RUN python3 -m venv /opt/pip \
 && python3 -m venv --without-pip /opt/seq-fn \
 && /opt/pip/bin/pip wheel --no-cache-dir --wheel-dir /dist . \
 && /opt/pip/bin/pip --python /opt/seq-fn/bin/python install --no-cache-dir --no-index --no-compile /dist/*.whl \
 && find /opt/seq-fn/lib/python3*/site-packages -mindepth 2 -maxdepth 2 -type d -name tests -exec rm -rf {} + \
 && /opt/seq-fn/bin/python -m compileall -q -j 0 --invalidation-mode unchecked-hash /opt/seq-fn/lib

FROM ${BASE}
COPY --from=builder /opt/seq-fn /opt/seq-fn
# The base's standard library may come without bytecode (the official python images delete it to save space): one
# run as root, at build time, writes it for the modules seq-fn imports (a run with a functionConfig imports the
# most), rather than compiling them at every start or adding the whole library's. A base that ships its bytecode
# (Debian's python3) is left as it is.
RUN printf '%s\n' 'apiVersion: config.kubernetes.io/v1' 'kind: ResourceList' 'functionConfig:' \
      '  {apiVersion: seq-fn.dev/v1alpha1, kind: SequenceContainers, metadata: {name: s}, strategy: auto}' 'items:' \
      '- {apiVersion: batch/v1, kind: Job, metadata: {name: j}, spec: {template: {spec: {restartPolicy: Never,' \
      '   containers: [{name: a, image: a}, {name: b, image: b}]}}}}' \
    | /opt/seq-fn/bin/seq-fn > /dev/null \
 && grep -q '^nobody:' /etc/passwd && /opt/seq-fn/bin/seq-fn --version
# kpt runs container functions as nobody: every file is readable, none writable, and no bytecode is written.
ENV PATH=/opt/seq-fn/bin:${PATH} PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
USER nobody
ENTRYPOINT ["/opt/seq-fn/bin/seq-fn"]
