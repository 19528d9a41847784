#!/bin/sh
# CONTRACT STAND-IN, FOR TESTS ONLY. This is not Tekton's entrypoint: Tekton's image cannot be pulled on these
# machines. It implements the command line seq-fn emits with what Tekton's v1.12.0 binary does for it (read from
# tektoncd/pipeline cmd/entrypoint and pkg/entrypoint, and seen running the real binary), so that a real container
# run proves seq-fn's wiring. It proves nothing about Tekton itself. tests/test_entrypoint_standin.py checks each
# behaviour below.
#
#   entrypoint cp SRC DST        copy the binary to DST with mode 0311 (owner writes, anyone executes, nobody
#                                reads). A shell script cannot run unread, so DST is a one-line #! file naming this
#                                script (copied beside it as DST.sh): the step still executes a mode-0311 file.
#   entrypoint [flags] -entrypoint CMD -- ARGS...
#     -wait_file a,b        wait for each file in turn, polling every second; when a.err exists instead, skip:
#                           post .err, log "Skipping step because a previous step failed", exit 1
#     -post_file P          P on success, and on a failed exit under -on_error continue; P.err otherwise
#     -termination_path P   at exit, a JSON list of {"key","value","type":3}: StartedAt always, ExitCode when a
#                           continued step failed, Reason TimeoutExceeded after -timeout; merged into an existing
#                           file; a failed write exits 1 even after success
#     -step_metadata_dir D  creates D/results and D/artifacts first (on failure: no post file, exit 1); D/exitCode
#                           holds the code after success or a continued failure, and is not written otherwise
#     -on_error continue    a non-zero exit posts P and exits 0; NOT a timeout or a command that cannot start
#     -timeout DURATION     a Go duration (300ms, 1.5s, 1h30m; 0 means none): the command is killed (SIGKILL),
#                           P.err is posted and the wrapper exits 1, whatever -on_error says
#   A command that cannot be started (missing, not executable): P.err, exit 1, whatever -on_error says.
#   SIGTERM and SIGINT are forwarded to the command; a command killed by a signal counts as exit code -1 (the
#   wrapper exits 255; under continue, ExitCode -1). SIGKILL of the wrapper itself writes nothing at all.
# Known differences: the real binary silently drops positional args without "--"; the stand-in refuses, loudly.
# A command that itself exits 129..165 after a forwarded signal is taken as killed by it.
set -u

if [ "${1:-}" = "${0%.sh}" ]; then shift; fi  # run through the #! line of the copy: $1 is the copy itself

if [ "${1:-}" = "cp" ]; then
  [ $# -eq 3 ] || { echo "entrypoint stand-in: cp SRC DST" >&2; exit 1; }
  cat "$2" > "$3.sh" && chmod 0444 "$3.sh" && printf '#!/bin/sh %s\n' "$3.sh" > "$3" && chmod 0311 "$3"
  exit $?
fi

wait_files=""; post=""; term="/tekton/termination"; meta=""; on_error=""; limit="0"; entry=""; separated=0
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
    *) echo "entrypoint stand-in: flag provided but not defined: $1" >&2; exit 2 ;;
  esac
done
[ "$separated" = 1 ] || { echo "entrypoint stand-in: no -- before the command's arguments" >&2; exit 2; }
[ -n "$entry" ] || { echo "entrypoint stand-in: no -entrypoint" >&2; exit 2; }

# Go's time.ParseDuration, to seconds: a sequence of decimal numbers, each with a unit (ns us µs ms s m h).
seconds=$(printf '%s\n' "$limit" | awk '
  $0 == "0" { print 0; exit }
  {
    s = $0; total = 0; sign = 1
    if (substr(s, 1, 1) == "-") { sign = -1; s = substr(s, 2) } else if (substr(s, 1, 1) == "+") { s = substr(s, 2) }
    if (s == "") { exit 1 }
    while (s != "") {
      if (!match(s, /^([0-9]+(\.[0-9]*)?|\.[0-9]+)/)) { exit 1 }
      n = substr(s, 1, RLENGTH); s = substr(s, RLENGTH + 1)
      if (match(s, /^(ns|us|µs|ms|s|m|h)/)) { u = substr(s, 1, RLENGTH); s = substr(s, RLENGTH + 1) } else { exit 1 }
      f = (u == "h") ? 3600 : (u == "m") ? 60 : (u == "s") ? 1 : (u == "ms") ? 0.001 : (u == "ns") ? 1e-9 : 1e-6
      total += n * f
    }
    printf "%.9g\n", sign * total
  }') || { echo "entrypoint stand-in: invalid value \"$limit\" for flag -timeout" >&2; exit 2; }

started=""
message() {  # message KEY VALUE...: the entries of the termination JSON, after StartedAt
  entries=""
  [ -n "$started" ] && entries="{\"key\":\"StartedAt\",\"value\":\"$started\",\"type\":3}"
  while [ $# -ge 2 ]; do
    entries="${entries:+$entries,}{\"key\":\"$1\",\"value\":\"$2\",\"type\":3}"
    shift 2
  done
  if [ -s "$term" ]; then  # Tekton merges with what is there
    old=$(cat "$term"); old=${old#[}; old=${old%]}
    [ -n "$old" ] && entries="$old${entries:+,$entries}"
  fi
  printf '[%s]' "$entries" > "$term" 2>/dev/null || {
    echo "entrypoint stand-in: Error while writing message: cannot write $term" >&2; exit 1; }
}

finish() {  # finish EXIT POST_SUFFIX EXIT_CODE_FILE [KEY VALUE]...: post, exitCode, termination message, exit
  code=$1; suffix=$2; exit_file=$3; shift 3
  [ -n "$post" ] && : > "$post$suffix"
  [ -n "$exit_file" ] && printf '%s' "$exit_file" > "$meta/exitCode"
  message "$@"
  exit "$code"
}

if ! mkdir -p "${meta:-.}/results" "${meta:-.}/artifacts" 2>/dev/null; then
  message
  echo "entrypoint stand-in: cannot create $meta/results" >&2
  exit 1
fi

now() { date -u +%Y-%m-%dT%H:%M:%S.000Z; }

old_ifs=$IFS; IFS=,
for file in $wait_files; do
  IFS=$old_ifs
  while [ ! -e "$file" ]; do
    if [ -e "$file.err" ]; then
      started=$(now)
      echo "Skipping step because a previous step failed" >&2
      finish 1 .err ""
    fi
    sleep 1
  done
done
IFS=$old_ifs
started=$(now)

if [ "$(printf '%s\n' "$seconds" | awk '{ print ($1 < 0) }')" = 1 ]; then
  echo "entrypoint stand-in: Error executing command: negative timeout specified" >&2
  finish 1 .err ""
fi
case "$entry" in
  */*) [ -f "$entry" ] && [ -x "$entry" ] ;;
  *) command -v "$entry" > /dev/null 2>&1 ;;
esac || {
  echo "entrypoint stand-in: Error executing command: exec: \"$entry\": cannot start" >&2
  finish 1 .err ""
}

timed_out="${meta:-.}/.standin-timed-out"; signalled=""
rm -f "$timed_out"
"$entry" "$@" <&0 &
child=$!
trap 'signalled=1; kill -TERM "$child" 2>/dev/null' TERM
trap 'signalled=1; kill -INT "$child" 2>/dev/null' INT
watcher=""
if [ "$(printf '%s\n' "$seconds" | awk '{ print ($1 > 0) }')" = 1 ]; then
  (
    sleep "$seconds" & nap=$!
    trap 'kill "$nap" 2>/dev/null; exit 0' TERM
    wait "$nap" && : > "$timed_out" && kill -KILL "$child" 2>/dev/null
  ) &
  watcher=$!
fi
code=0
while :; do
  wait "$child"; code=$?
  kill -0 "$child" 2>/dev/null || break  # wait was interrupted by a forwarded signal: wait again
done
[ -n "$watcher" ] && kill "$watcher" 2>/dev/null
if [ -e "$timed_out" ]; then
  rm -f "$timed_out"
  echo "entrypoint stand-in: Error executing command: context deadline exceeded" >&2
  finish 1 .err "" Reason TimeoutExceeded
fi
if [ -n "$signalled" ] && [ "$code" -gt 128 ] && [ "$code" -le 165 ]; then code=-1; fi

if [ "$code" = 0 ]; then finish 0 "" 0; fi
if [ "$on_error" = "continue" ]; then finish 0 "" "$code" ExitCode "$code"; fi
[ "$code" = -1 ] && code=255
finish "$code" .err ""
