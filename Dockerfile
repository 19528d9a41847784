# seq-fn as a KRM container function: `kpt fn eval DIR --image <this image>`, Kptfile `image:`, kustomize
# `container: {image: ...}`. Orchestrators run it as `--user nobody --network none`; it needs neither.
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
COPY pyproject.toml README.md ./
COPY krm_fn ./krm_fn
COPY wheels ./wheels
RUN python3 -m venv /opt/seq-fn \
 && /opt/seq-fn/bin/python -m pip wheel --no-cache-dir --wheel-dir /dist . \
 && /opt/seq-fn/bin/python -m pip install --no-cache-dir --no-index /dist/*.whl \
 && find /opt/seq-fn -name '__pycache__' -prune -exec rm -rf {} + \
 && rm -rf /opt/seq-fn/lib/python3*/site-packages/pip /opt/seq-fn/lib/python3*/site-packages/setuptools

FROM ${BASE}
COPY --from=builder /opt/seq-fn /opt/seq-fn
# kpt runs container functions as nobody: every file must be readable, none writable, and no cache written.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN grep -q '^nobody:' /etc/passwd && /opt/seq-fn/bin/seq-fn --version
USER nobody
ENTRYPOINT ["/opt/seq-fn/bin/seq-fn"]
