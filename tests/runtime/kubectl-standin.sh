#!/bin/sh
# STAND-IN for kubectl talking to an API server, which cannot exist on these machines (no kube-apiserver, kind or
# k3s can be installed). It answers `kubectl get ...` as kubectl does, from answer files the test writes under
# $KUBECTL_STANDIN_ANSWERS (a hostPath volume), one per query:
#   <resource>.<namespace>.<name>            for `get RESOURCE NAME -n NS -o ...`
#   <resource>.<namespace>.l=<selector>[.f=<field selector>]   for `get RESOURCE -n NS -l SELECTOR ...`
# A file holds what the real kubectl prints on stdout for that object and that -o template (the test computes it
# with the real kubectl, on a local object); exit 0. A file named <query>.forbidden makes it print the API
# server's Forbidden error on stderr and exit 1; no file at all, the NotFound error, exit 1 (as kubectl does).
# Endpoints answers carry the deprecation warning the API server sends from 1.33 on, on stderr, as kubectl prints
# it. Every call is appended to $KUBECTL_STANDIN_ANSWERS/calls, so the test can check the arguments.
answers=${KUBECTL_STANDIN_ANSWERS:?}
printf '%s\n' "$*" >> "$answers/calls"
[ "$1" = get ] || { echo "error: the stand-in only answers get" >&2; exit 1; }
shift
resource= name= ns=default selector= fields=
while [ $# -gt 0 ]; do
  case $1 in
    -n) ns=$2; shift 2 ;;
    -l) selector=$2; shift 2 ;;
    --field-selector) fields=$2; shift 2 ;;
    -o) shift 2 ;;
    --*) shift ;;
    *) if [ -z "$resource" ]; then resource=$1; else name=$1; fi; shift ;;
  esac
done
key="$resource.$ns.$name"
[ -n "$selector" ] && key="$resource.$ns.l=$selector"
[ -n "$fields" ] && key="$key.f=$fields"
plural=${resource%%.*}
group=${resource#"$plural"}; group=${group#.}
if [ -e "$answers/$key.forbidden" ]; then
  verb=get; [ -n "$name" ] || verb=list
  echo "Error from server (Forbidden): $plural${name:+ \"$name\"} is forbidden: User \"system:serviceaccount:$ns:default\" cannot $verb resource \"$plural\" in API group \"$group\" in the namespace \"$ns\"" >&2
  exit 1
fi
if [ ! -e "$answers/$key" ]; then
  if [ -n "$name" ]; then
    what=$plural; [ -z "$group" ] || what="$plural.$group"
    echo "Error from server (NotFound): $what \"$name\" not found" >&2
    exit 1
  fi
  exit 0  # an empty list: kubectl prints the template over no items, here nothing
fi
[ "$plural" = endpoints ] && echo "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice" >&2
cat "$answers/$key"
