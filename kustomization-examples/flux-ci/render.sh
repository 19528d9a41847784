#!/usr/bin/env bash
# The render step of CI (render-and-push.yml): app/ through its Kptfile pipeline (seq-fn) into rendered/, which is
# what Flux applies. Needs kpt and seq-fn on PATH. app/ itself is left as it is.
set -euo pipefail
cd "$(dirname "$0")"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
kpt fn render app --allow-exec -o stdout > "$out"  # a failed render stops here: rendered/ is not touched
rm -rf rendered
kpt fn sink rendered < "$out"
