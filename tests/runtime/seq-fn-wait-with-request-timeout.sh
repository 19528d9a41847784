seconds=$1; written=$2; shift 2
deadline=$(( $(date +%s) + seconds ))
if nc --help 2>&1 | grep -q -e ' -z'; then zero=yes; else zero=; fi
get() {
  answer=$(kubectl get --request-timeout=10s --cache-dir=/dev/null "$@" 2>&1); code=$?
  answer=$(printf '%s\n' "$answer" | grep -v '^Warning: ')
  if [ "$code" -ne 0 ]; then last=$answer; return 1; fi
  last=
}
plural() {
  listed=$(kubectl api-resources --request-timeout=10s --cache-dir=/dev/null --api-group="${1#*.}" -o name     2>/dev/null) || return 0
  case " $(echo $listed) " in *" $1 "*|"  ") return 0 ;; esac
  last="$last (the API lists no $1 but $(echo $listed): the Role seq-fn wrote grants $1 as written, so write its plural name)"
}
ready_pod() {
  case " $answer " in *" True "*) return 0 ;; esac
  last="no Pod matching $1 is Ready yet"; return 1
}
ready() {
  case $kind in
    tcp) hostport=${what#tcp://}; host=${hostport%:*}; port=${hostport##*:}
      if [ -n "$zero" ]; then timeout 10 nc -z -w 2 "$host" "$port"
      else timeout 10 nc -w 2 "$host" "$port" -e true; fi >/dev/null 2>&1 ;;
    http) timeout 10 wget -q -O /dev/null "$what" >/dev/null 2>&1 ;;
    file) test -e "${what#file:}" ;;
    service) get endpoints "$name" -n "$ns" -o 'jsonpath={.subsets[*].addresses[*].ip}' || return 1
      [ -n "$answer" ] || { last="Service $ns/$name has no ready endpoint yet"; return 1; } ;;
    job) get jobs.batch "$name" -n "$ns" -o 'jsonpath={.status.conditions[?(@.type=="Complete")].status}/{.status.conditions[?(@.type=="Failed")].status}' || return 1
      case $answer in
        True/*) return 0 ;;
        */True) last="Job $ns/$name failed (condition Failed=True), so it will never complete"; return 2 ;;
      esac
      last="Job $ns/$name has not completed yet"; return 1 ;;
    pod) get pods -n "$ns" -l "$name" -o 'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}' || return 1
      ready_pod "$name" ;;
    daemonset) get daemonsets.apps "$name" -n "$ns" -o 'go-template={{range $k, $v := .spec.selector.matchLabels}}{{$k}}={{$v}},{{end}}' || return 1
      [ -n "$answer" ] || { last="DaemonSet $ns/$name has no spec.selector.matchLabels"; return 2; }
      selector=${answer%,}
      get pods -n "$ns" -l "$selector" --field-selector "spec.nodeName=$NODE_NAME" -o 'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}' || return 1
      ready_pod "$selector on node $NODE_NAME" ;;
    resource) get "$resource" "$name" -n "$ns" -o "jsonpath=$field" || {
        case $last in *Forbidden*) plural "$resource" ;; esac; return 1; }
      [ "$answer" = "$value" ] && return 0
      last="$resource $ns/$name: the field is ${answer:-empty}, not $value"; return 1 ;;
    *) last="unknown kind $kind"; return 2 ;;
  esac
}
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
