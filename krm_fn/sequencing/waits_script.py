"""The shell script of the ``seq-fn-wait`` init container, and the arguments that tell it what to wait for.

The script is a constant: every dependency reaches it as arguments (``sh -c SCRIPT seq-fn-wait ARGS...``), never
spliced into its text, so a host, path, name or label cannot inject shell. Its arguments are the timeout in
seconds and as written, then one group per dependency: the kind and the dependency as the user wrote it, then, for
the kinds that read the Kubernetes API, the namespace and the name (or label selector), and for a custom resource
also the resource, the JSONPath of the field and the value it must have.

Network and file waits need only busybox (``nc``, ``wget``, ``test``). API waits run ``kubectl get`` as a Pod runs
it: **no kubectl flag that touches its client configuration**. With no kubeconfig, kubectl uses its in-cluster
configuration (``KUBERNETES_SERVICE_HOST``/``PORT`` and the service-account files) only while the configuration it
built from flags is the default one: a flag such as ``--request-timeout`` makes it differ, and kubectl then dials
``http://localhost:8080`` (kubernetes/kubernetes#93474, #49343; seen on a real cluster, and in
``tests/runtime/test_wait_for_api_in_cluster.py`` with the real kubectl). So each call is bounded by the shell's
``timeout`` instead, and kubectl's disk cache is chosen by the ``KUBECACHEDIR`` environment variable the container
spec sets (an emptyDir: the root filesystem stays read-only), not by ``--cache-dir``: discovery is then read once and
each poll is one request. Each poll runs a new kubectl, which reads the service-account token again (the kubelet
rotates it). kubectl's ``Warning:`` lines are dropped; its last error (a Forbidden, say) is printed when the script
gives up. A Job that failed ends the wait at once.

Polling backs off so that many replicas waiting on one slow dependency do not load the API server: the first poll
at once, then after 1 and 2 s, every 3.5 s until the wait for that dependency is a minute old (a dependency that
comes up in its first minute is seen within 5 s: a pause, plus one kubectl call of about 1 s at 50m CPU), then 7,
14, 28 and at most 30 s; each pause (in milliseconds) is shortened by a random part of up to a quarter
(``/dev/urandom``, else the shell's ``$RANDOM``) so that replicas started together drift apart. A pause never runs
past the deadline.

``service/`` reads the Service's EndpointSlices (``discovery.k8s.io/v1``, label ``kubernetes.io/service-name``) and
counts an endpoint only when it is serving and not terminating (``serving``, or ``ready`` where a slice does not
set ``serving``; unset means ready, as the API defines it): v1 Endpoints is deprecated from 1.33 and lists every
address as ready for a Service with ``publishNotReadyAddresses``. A ``pod/`` or ``daemonset/`` wait does not count
a Ready Pod that is being deleted.

kubectl is always given a resource it can map from its cached discovery at the first try: given
``RESOURCE.GROUP`` with a dotted group (``certificates.cert-manager.io``), kubectl first reads it as
``RESOURCE.VERSION.GROUP``, misses, and throws its discovery cache away, which costs two requests on every poll. So
EndpointSlices are read as ``endpointslices.v1.discovery.k8s.io``, and a custom resource's version is looked up
with ``kubectl api-resources --cached`` (from the cache) until it is found. A resource the API does not list that
way (a singular name such as ``certificate``) is read as written: kubectl maps it to the plural, which the Role,
naming the resource as written, does not grant, and the Forbidden answer then says to write the plural.
"""

from __future__ import annotations

#: Where kubectl keeps its discovery cache (``KUBECACHEDIR``, an emptyDir mounted there); no flag says it.
CACHE_DIR = "/var/cache/seq-fn-wait"
#: Bound on each kubectl call, in seconds (the shell's ``timeout``; ``--request-timeout`` would break in a Pod).
CALL_TIMEOUT = 10

#: The ``-o`` of each ``kubectl get``. Each endpoint of a Service's EndpointSlices as ``READY/SERVING/TERMINATING``
#: (each ``true``, ``false`` or empty when unset), space-separated.
ENDPOINTS = (
    "jsonpath={range .items[*].endpoints[*]}"
    '{.conditions.ready}/{.conditions.serving}/{.conditions.terminating}{" "}{end}'
)
#: ``True/`` for a Job that completed, ``/True`` for one that failed (Complete and Failed conditions).
JOB_DONE = (
    'jsonpath={.status.conditions[?(@.type=="Complete")].status}/{.status.conditions[?(@.type=="Failed")].status}'
)
#: Each Pod of a list as ``READY/DELETION`` (its Ready condition, and a deletion time once it is terminating).
READY_PODS = (
    'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}/{.metadata.deletionTimestamp}{" "}{end}'
)
#: A DaemonSet's ``spec.selector.matchLabels`` as ``app=x,tier=y,`` (a label selector once the comma is cut).
DAEMONSET_LABELS = "go-template={{range $k, $v := .spec.selector.matchLabels}}{{$k}}={{$v}},{{end}}"

#: $1: seconds, $2: the timeout as written; then the groups described above. The shell is PID 1 of its container,
#: which ignores SIGTERM unless it traps it: without the trap, a Pod deleted while it waits would hold on for its
#: whole grace period; each pause is a background ``sleep`` the trap can interrupt (a kubectl call, at most 10 s,
#: finishes first). busybox's nc has -z only in some
#: builds (Debian's lacks it); without -z, ``-e true`` ends the connection once it is made (a server that keeps it
#: open, as a database does, would otherwise hold nc until its own timeout). ``timeout`` ends a call that hangs
#: with 124 (coreutils) or 143 (busybox: SIGTERM).
SCRIPT = f"""\
trap 'echo "seq-fn-wait: stopped (SIGTERM) while waiting for $what" >&2; exit 143' TERM INT
seconds=$1; written=$2; shift 2
deadline=$(( $(date +%s) + seconds ))
if nc --help 2>&1 | grep -q -e ' -z'; then zero=yes; else zero=; fi
kube() {{
  answer=$(timeout {CALL_TIMEOUT} kubectl "$@" 2>&1); code=$?
  answer=$(printf '%s\\n' "$answer" | grep -v '^Warning: ')
  case $code in
    0) last=; return 0 ;;
    124|143) last="kubectl $1 did not answer within {CALL_TIMEOUT} s" ;;
    *) last=$answer ;;
  esac
  return 1
}}
get() {{ kube get "$@"; }}
resolve() {{
  [ -z "$version" ] || return 0
  gvr=$resource; group=${{resource#*.}}
  listed=$(timeout {CALL_TIMEOUT} kubectl api-resources --cached --api-group="$group" --no-headers 2>/dev/null) ||
    return 0
  version=$(printf '%s\n' "$listed" | while read -r plural more; do
    [ "$plural" = "${{resource%%.*}}" ] || continue
    for word in $more; do case $word in */*) echo "${{word#*/}}"; break 2 ;; esac; done
  done)
  if [ -n "$version" ]; then gvr=${{resource%%.*}}.$version.$group; return 0; fi
  names=$(printf '%s\n' "$listed" | while read -r plural more; do
    [ -z "$plural" ] || printf ' %s' "$plural.$group"
  done)
  [ -z "$names" ] || hint=" (the API lists no $resource but$names: the Role seq-fn wrote grants $resource as \
written, so write its plural name)"
}}
serving() {{
  for endpoint in $answer; do
    case $endpoint in
      */true) ;;
      */true/*) return 0 ;;
      */false/*|false/*) ;;
      *) return 0 ;;
    esac
  done
  last="Service $ns/$name has no ready endpoint yet"; return 1
}}
ready_pod() {{
  case " $answer " in *" True/ "*) return 0 ;; esac
  last="no Pod matching $1 is Ready yet"; return 1
}}
ready() {{
  case $kind in
    tcp) hostport=${{what#tcp://}}; host=${{hostport%:*}}; port=${{hostport##*:}}
      if [ -n "$zero" ]; then timeout 10 nc -z -w 2 "$host" "$port"
      else timeout 10 nc -w 2 "$host" "$port" -e true; fi >/dev/null 2>&1 ;;
    http) timeout 10 wget -q -O /dev/null "$what" >/dev/null 2>&1 ;;
    file) test -e "${{what#file:}}" ;;
    service) get endpointslices.v1.discovery.k8s.io -n "$ns" -l "kubernetes.io/service-name=$name" \\
        -o '{ENDPOINTS}' || return 1
      serving ;;
    job) get jobs.batch "$name" -n "$ns" -o '{JOB_DONE}' || return 1
      case $answer in
        True/*) return 0 ;;
        */True) last="Job $ns/$name failed (condition Failed=True), so it will never complete"; return 2 ;;
      esac
      last="Job $ns/$name has not completed yet"; return 1 ;;
    pod) get pods -n "$ns" -l "$name" -o '{READY_PODS}' || return 1
      ready_pod "$name" ;;
    daemonset) if [ -z "$selector" ]; then
        get daemonsets.apps "$name" -n "$ns" -o '{DAEMONSET_LABELS}' || return 1
        [ -n "$answer" ] || {{ last="DaemonSet $ns/$name has no spec.selector.matchLabels"; return 2; }}
        selector=${{answer%,}}
      fi
      get pods -n "$ns" -l "$selector" --field-selector "spec.nodeName=$NODE_NAME" -o '{READY_PODS}' || return 1
      ready_pod "$selector on node $NODE_NAME" ;;
    resource) resolve
      get "$gvr" "$name" -n "$ns" -o "jsonpath=$field" || {{
        case $last in *Forbidden*) last="$last$hint" ;; esac; return 1; }}
      [ "$answer" = "$value" ] && return 0
      last="$resource $ns/$name: the field is ${{answer:-empty}}, not $value"; return 1 ;;
    *) last="unknown kind $kind"; return 2 ;;
  esac
}}
pause() {{
  now=$(date +%s)
  if [ $(( now - since )) -lt 60 ]; then cap=3500; else cap=30000; fi
  [ "$delay" -le "$cap" ] || delay=$cap
  random=$(od -An -N2 -tu2 /dev/urandom 2>/dev/null | tr -dc 0-9)
  [ -n "$random" ] || random=${{RANDOM:-$$}}
  ms=$(( delay - random % (delay / 4 + 1) ))
  [ "$ms" -le $(( (deadline - now) * 1000 )) ] || ms=$(( (deadline - now) * 1000 ))
  [ "$ms" -gt 0 ] || ms=0
  sleep "$(( ms / 1000 )).$(( ms / 100 % 10 ))$(( ms / 10 % 10 ))$(( ms % 10 ))" 2>/dev/null & wait $! ||
    {{ sleep $(( (ms + 999) / 1000 )) & wait $!; }}
  delay=$(( delay * 2 ))
}}
while [ $# -gt 1 ]; do
  kind=$1; what=$2; shift 2
  case $kind in
    service|job|pod|daemonset) ns=$1; name=$2; shift 2 ;;
    resource) ns=$1; name=$2; resource=$3; field=$4; value=$5; shift 5 ;;
  esac
  echo "seq-fn-wait: waiting for $what"
  last=; selector=; version=; hint=; since=$(date +%s); delay=1000
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
    pause
  done
  echo "seq-fn-wait: $what is ready"
done
"""
