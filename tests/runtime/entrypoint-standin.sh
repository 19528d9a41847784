#!/bin/sh
# CONTRACT STAND-IN, FOR TESTS ONLY. This is not Tekton's entrypoint: Tekton's image cannot be pulled on these
# machines. It implements just the command-line contract seq-fn emits, with the semantics documented for the
# real binary (tektoncd/pipeline cmd/entrypoint), so that a real container run proves seq-fn's wiring:
# volumes, mounts, argv, order, failure skip and parallel branches. It proves nothing about Tekton itself.
#
#   entrypoint cp SRC DST                  copy the binary (here: this script) to DST, executable by any uid
#   entrypoint [flags] -entrypoint CMD -- ARGS...
#     -wait_file a,b        wait until each file exists; if a.err exists instead, skip: post .err and exit 1
#     -post_file P          on success (or -on_error continue) write P; on failure or skip write P.err
#     -termination_path P   write a small JSON message at exit
#     -step_metadata_dir D  create D and write D/exitCode
#     -on_error continue    exit 0 and post P even when the command failed
#     -timeout 10m          kill the command after the duration (s, m or h): post .err, exit 1
# Without "--" the real binary silently drops positional args; the stand-in refuses instead, loudly.
set -u

if [ "${1:-}" = "cp" ]; then
  cat "$2" > "$3" && chmod 0555 "$3"
  exit $?
fi

wait_files=""; post=""; term=""; meta=""; on_error="stopAndFail"; limit=""; entry=""; separated=0
while [ $# -gt 0 ]; do
  case "$1" in
    -wait_file) wait_files="$2"; shift 2 ;;
    -post_file) post="$2"; shift 2 ;;
    -termination_path) term="$2"; shift 2 ;;
    -step_metadata_dir) meta="$2"; shift 2 ;;
    -on_error) on_error="$2"; shift 2 ;;
    -timeout) limit="$2"; shift 2 ;;
    -entrypoint) entry="$2"; shift 2 ;;
    --) shift; separated=1; break ;;
    *) echo "entrypoint stand-in: unknown flag $1" >&2; exit 2 ;;
  esac
done
[ "$separated" = 1 ] || { echo "entrypoint stand-in: no -- before the command's arguments" >&2; exit 2; }
[ -n "$entry" ] || { echo "entrypoint stand-in: no -entrypoint" >&2; exit 2; }
mkdir -p "$meta" || exit 1

finish() {  # finish CODE POSTED_SUFFIX EXIT
  echo "$1" > "$meta/exitCode"
  printf '[{"key":"ExitCode","value":"%s"}]\n' "$1" > "$term"
  : > "$post$2"
  exit "$3"
}

old_ifs=$IFS; IFS=,
for file in $wait_files; do
  IFS=$old_ifs
  while [ ! -e "$file" ]; do
    if [ -e "$file.err" ]; then
      echo "entrypoint stand-in: skipping: $file.err exists" >&2
      finish 1 .err 1
    fi
    sleep 0.2
  done
done
IFS=$old_ifs

if [ -n "$limit" ]; then
  case "$limit" in
    *h) seconds=$(( ${limit%h} * 3600 )) ;;
    *m) seconds=$(( ${limit%m} * 60 )) ;;
    *s) seconds=${limit%s} ;;
    *) echo "entrypoint stand-in: unsupported timeout $limit" >&2; exit 2 ;;
  esac
  timeout "$seconds" "$entry" "$@"
else
  "$entry" "$@"
fi
code=$?

if [ "$code" = 0 ]; then finish 0 "" 0; fi
if [ "$on_error" = "continue" ]; then finish "$code" "" 0; fi
finish "$code" .err "$code"
