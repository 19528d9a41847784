"""Lines of fields, whichever reader read the object, and input paths of the parts of an edited copy."""

from __future__ import annotations

import copy

from krm_fn.sdk import lines, splicing, yamlio

TEXT = """\
apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    seq-fn.dev/after.b: a
spec:
  containers:
  - name: a
    image: x
  - name: b
    image: y
    livenessProbe:
      exec: {command: [true]}
"""


def test_split_and_join_keep_keys_with_dots_and_slashes_whole() -> None:
    path = "metadata.annotations[seq-fn.dev/after.b]"
    assert lines.split(path) == ["metadata", "annotations", "seq-fn.dev/after.b"]
    assert lines.join(lines.split(path)) == path
    assert lines.split("spec.containers[1].livenessProbe") == ["spec", "containers", 1, "livenessProbe"]


def test_the_line_of_a_field_read_by_libyaml_and_by_ruamel_yaml_is_the_same() -> None:
    lazy = splicing.lazy_document(TEXT)
    assert lazy is not None
    loaded = yamlio.load_all(TEXT)[0]
    for obj in (lazy, copy.deepcopy(lazy), loaded):
        assert lines.line_of(obj, "spec.containers[1].livenessProbe") == 13
        assert lines.line_of(obj, "metadata.annotations[seq-fn.dev/after.b]") == 6
        assert lines.line_of(obj, "spec.containers[1].startupProbe") == 11, "a field to add: its container's line"
    assert lines.line_of({"spec": {}}, "spec") is None, "a plain dict has no lines"


def test_a_moved_container_is_named_where_it_was_in_the_input() -> None:
    lazy = splicing.lazy_document(TEXT)
    assert lazy is not None
    work = copy.deepcopy(lazy)
    origin = lines.Origin(work)
    spec = work["spec"]
    spec["initContainers"] = [spec["containers"].pop(1)]
    assert origin.input_path("spec.initContainers[0].livenessProbe") == "spec.containers[1].livenessProbe"
    assert origin.input_path("spec.containers[0].image") == "spec.containers[0].image"
    assert origin.input_path("spec.activeDeadlineSeconds") == "spec.activeDeadlineSeconds"
    path = "metadata.annotations[seq-fn.dev/after.b]"
    assert origin.input_path(path) == path, "a path that did not move is given back as it was written"
