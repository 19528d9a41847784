"""The shell script of the ``seq-fn-wait`` init container, and the arguments that tell it what to wait for.

The script is a constant: every dependency reaches it as arguments (``sh -c SCRIPT seq-fn-wait ARGS...``), never
spliced into its text, so a host, path, name or label cannot inject shell. Its arguments are the timeout in
seconds and as written, then one group per dependency: the kind and the dependency as the user wrote it, then, for
the kinds that read the Kubernetes API, the namespace and the name (or label selector), and for a custom resource
also the resource, the JSONPath of the field and the value it must have.

Network and file waits need only busybox (``nc``, ``wget``, ``test``). API waits run ``kubectl get`` with a
``--request-timeout`` per call, the Pod's service-account token (kubectl's in-cluster config) and no disk cache
(the root filesystem is read-only: ``--cache-dir=/dev/null`` makes that explicit, so kubectl keeps discovery in
memory for the call). kubectl's ``Warning:`` lines (v1 Endpoints is deprecated from 1.33) are dropped; its last
error (a Forbidden, say) is printed when the script gives up. A Job that failed ends the wait at once. A custom
resource read that is Forbidden is followed by ``kubectl api-resources`` (discovery, which every user may read): kubectl
maps a singular name (``certificate``) to the plural it requests, which the Role, naming the resource as written,
does not grant, and the message then says to write the plural.
"""

from __future__ import annotations

#: The ``-o`` of each ``kubectl get``. The ready addresses of an Endpoints object, space-separated.
ENDPOINTS = "jsonpath={.subsets[*].addresses[*].ip}"
#: ``True/`` for a Job that completed, ``/True`` for one that failed (Complete and Failed conditions).
JOB_DONE = (
    'jsonpath={.status.conditions[?(@.type=="Complete")].status}/{.status.conditions[?(@.type=="Failed")].status}'
)
#: The Ready condition of each Pod of a list, space-separated (``False True``).
READY_PODS = 'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}'
#: A DaemonSet's ``spec.selector.matchLabels`` as ``app=x,tier=y,`` (a label selector once the comma is cut).
DAEMONSET_LABELS = "go-template={{range $k, $v := .spec.selector.matchLabels}}{{$k}}={{$v}},{{end}}"

#: $1: seconds, $2: the timeout as written; then the groups described above. busybox's nc has -z only in some
#: builds (Debian's lacks it); without -z, ``-e true`` ends the connection once it is made (a server that keeps it
#: open, as a database does, would otherwise hold nc until its own timeout).
SCRIPT = f"""\
seconds=$1; written=$2; shift 2
deadline=$(( $(date +%s) + seconds ))
if nc --help 2>&1 | grep -q -e ' -z'; then zero=yes; else zero=; fi
get() {{
  answer=$(kubectl get --request-timeout=10s --cache-dir=/dev/null "$@" 2>&1); code=$?
  answer=$(printf '%s\\n' "$answer" | grep -v '^Warning: ')
  if [ "$code" -ne 0 ]; then last=$answer; return 1; fi
  last=
}}
plural() {{
  listed=$(kubectl api-resources --request-timeout=10s --cache-dir=/dev/null --api-group="${{1#*.}}" -o name \
    2>/dev/null) || return 0
  case " $(echo $listed) " in *" $1 "*|"  ") return 0 ;; esac
  last="$last (the API lists no $1 but $(echo $listed): the Role seq-fn wrote grants $1 as written, so write its \
plural name)"
}}
ready_pod() {{
  case " $answer " in *" True "*) return 0 ;; esac
  last="no Pod matching $1 is Ready yet"; return 1
}}
ready() {{
  case $kind in
    tcp) hostport=${{what#tcp://}}; host=${{hostport%:*}}; port=${{hostport##*:}}
      if [ -n "$zero" ]; then timeout 10 nc -z -w 2 "$host" "$port"
      else timeout 10 nc -w 2 "$host" "$port" -e true; fi >/dev/null 2>&1 ;;
    http) timeout 10 wget -q -O /dev/null "$what" >/dev/null 2>&1 ;;
    file) test -e "${{what#file:}}" ;;
    service) get endpoints "$name" -n "$ns" -o '{ENDPOINTS}' || return 1
      [ -n "$answer" ] || {{ last="Service $ns/$name has no ready endpoint yet"; return 1; }} ;;
    job) get jobs.batch "$name" -n "$ns" -o '{JOB_DONE}' || return 1
      case $answer in
        True/*) return 0 ;;
        */True) last="Job $ns/$name failed (condition Failed=True), so it will never complete"; return 2 ;;
      esac
      last="Job $ns/$name has not completed yet"; return 1 ;;
    pod) get pods -n "$ns" -l "$name" -o '{READY_PODS}' || return 1
      ready_pod "$name" ;;
    daemonset) get daemonsets.apps "$name" -n "$ns" -o '{DAEMONSET_LABELS}' || return 1
      [ -n "$answer" ] || {{ last="DaemonSet $ns/$name has no spec.selector.matchLabels"; return 2; }}
      selector=${{answer%,}}
      get pods -n "$ns" -l "$selector" --field-selector "spec.nodeName=$NODE_NAME" -o '{READY_PODS}' || return 1
      ready_pod "$selector on node $NODE_NAME" ;;
    resource) get "$resource" "$name" -n "$ns" -o "jsonpath=$field" || {{
        case $last in *Forbidden*) plural "$resource" ;; esac; return 1; }}
      [ "$answer" = "$value" ] && return 0
      last="$resource $ns/$name: the field is ${{answer:-empty}}, not $value"; return 1 ;;
    *) last="unknown kind $kind"; return 2 ;;
  esac
}}
while [ $# -gt 1 ]; do
  kind=$1; what=$2; shift 2
  case $kind in
    service|job|pod|daemonset) ns=$1; name=$2; shift 2 ;;
    resource) ns=$1; name=$2; resource=$3; field=$4; value=$5; shift 5 ;;
  esac
  echo "seq-fn-wait: waiting for $what"
  last=
  until ready; do
    if [ $? -eq 2 ]; then
      echo "seq-fn-wait: $what: $last: giving up" >&2
      exit 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "seq-fn-wait: $what is still not ready after $written (seq-fn.dev/wait-timeout): giving up" >&2
      [ -z "$last" ] || echo "seq-fn-wait: the last answer: $last" >&2
      exit 1
    fi
    sleep 2
  done
  echo "seq-fn-wait: $what is ready"
done
"""
