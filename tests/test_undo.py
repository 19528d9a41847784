"""Undo (issue 25): ``undo(sequence(x))`` is ``x`` for every golden case, as kubectl reads it, in both modes.

kubectl's reader (``support/kubectl_reader.py``) is the oracle of values: the undone output must read exactly as
the input does. Standalone mode keeps the bytes of what it does not change, so there the text must come back too,
except for the cases listed in ``TEXT_DIFFERS`` with the reason the writer cannot.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
from pathlib import Path

import pytest

from krm_fn import commands
from krm_fn.sdk import yamlio
from tests.support import kubectl_reader
from tests.support.run import command, krm, resource_list

GOLDEN = Path(__file__).parent / "golden"
#: Cases whose input holds a workload that was sequenced before it came in, with no undo record: undo refuses it
#: (``test_undo_refuses_a_workload_sequenced_without_a_record``), so undo(sequence(x)) is not defined for them.
SEQUENCED_ALREADY = {"skip-and-already-sequenced"}
CASES = sorted(
    p for p in GOLDEN.iterdir() if p.is_dir() and (p / "expected.yaml").exists() and p.name not in SEQUENCED_ALREADY
)

UNDO_CONFIG = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: undo\ndata:\n  undo: 'true'\n"

#: Cases whose undone text is not the input's text, though it reads the same, and why the writer cannot do better.
_STYLE = (
    "a value seq-fn replaced (args, probes it dropped) comes back in block style: the record keeps values, not style"
)
_FLOW = "seq-fn writes a container given as a flow mapping in block style; undo keeps what the sequenced text has"
TEXT_DIFFERS: dict[str, str] = {
    "anchors-expanded": "seq-fn expands anchors and aliases (kpt refuses them), so they cannot come back",
    "builtin-ray-cluster": _STYLE,
    "configmap-key-values": _STYLE,
    "drop-incompatible-fields": _STYLE,
    "entrypoint-chain": _STYLE,
    "entrypoint-sidecar-commands-map": _STYLE,
    "entrypoint-dag": _FLOW,
    "yaml-styles": "a document that is one flow mapping is written in block style when sequenced",
}


def _standalone(args: list[str]) -> tuple[int, str, str]:
    """The standalone command in-process (its stdout and stderr captured)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = commands.main(args)
    return code, out.getvalue(), err.getvalue()


def _config(case: Path) -> str | None:
    path = case / "config.yaml"
    return path.read_text() if path.exists() else None


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_undo_after_sequence_reads_as_the_input_krm(case: Path) -> None:
    given = (case / "input.yaml").read_text()
    first = krm(resource_list(given, _config(case)))
    assert first.code == 0, first.stderr
    sequenced = first.resource_list()["items"]
    back = krm(resource_list("---\n".join(yamlio.dump(i) for i in sequenced), UNDO_CONFIG))
    assert back.code == 0, back.stderr
    undone = back.resource_list()["items"]
    assert kubectl_reader.read("---\n".join(yamlio.dump(i) for i in undone)) == kubectl_reader.read(given)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_undo_after_sequence_is_the_input_standalone(case: Path, tmp_path: Path) -> None:
    given = (case / "input.yaml").read_text()
    config = [] if _config(case) is None else ["--config", str(case / "config.yaml")]
    code, sequenced, err = _standalone([*config, str(case / "input.yaml")])
    assert code == 0, err
    (tmp_path / "sequenced.yaml").write_text(sequenced)
    code, back, err = _standalone(["undo", str(tmp_path / "sequenced.yaml")])
    assert code == 0, err
    assert kubectl_reader.read(back) == kubectl_reader.read(given)
    if case.name not in TEXT_DIFFERS:
        assert back == given, "the text did not come back (add it to TEXT_DIFFERS with the reason)"


JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: etl
  namespace: data
  annotations:
    seq-fn.dev/order: "extract,load"
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: load
        image: busybox:1.36
        command: [sh, -c, "echo load"]
      - name: extract
        image: busybox:1.36
        command: [sh, -c, "echo extract"]
"""


def _sequenced(tmp_path: Path, text: str, *args: str) -> Path:
    given = tmp_path / "given.yaml"
    given.write_text(text)
    code, out, err = _standalone([*args, str(given)])
    assert code == 0, err
    done = tmp_path / "sequenced.yaml"
    done.write_text(out)
    return done


def test_undo_refuses_a_workload_sequenced_without_a_record(tmp_path: Path) -> None:
    """An earlier seq-fn kept no record: undo refuses, names file, line and field, and prints nothing."""
    case = GOLDEN / "skip-and-already-sequenced" / "input.yaml"
    code, out, err = _standalone(["undo", str(case)])
    assert code == 1
    assert out == ""
    assert "Job done-before" in err and "no seq-fn.dev/undo record" in err
    assert f"file {case}, line 20" in err, err
    assert "Traceback" not in err
    ran = krm(resource_list(case.read_text(), UNDO_CONFIG))
    assert ran.code == 1
    assert ran.resource_list()["items"] == yamlio.load_all(resource_list(case.read_text()))[0]["items"]


def test_a_hand_edit_of_what_seq_fn_wrote_is_an_error_naming_the_field(tmp_path: Path) -> None:
    done = _sequenced(tmp_path, JOB, "--config", str(_entrypoint_config(tmp_path)))
    edited = done.read_text()
    assert "/seq-fn/bin/entrypoint" in edited
    done.write_text(edited.replace('- "echo load"', '- "echo LOAD"', 1))
    code, out, err = _standalone(["undo", str(done)])
    assert code == 1, out
    assert "spec.template.spec.containers[load].args was changed after seq-fn sequenced" in err, err
    assert f"file {done}, line 41)" in err, err  # the line of args
    assert out == ""


def test_a_container_added_by_hand_is_an_error_and_an_image_bumped_by_hand_is_kept(tmp_path: Path) -> None:
    done = _sequenced(tmp_path, JOB)
    text = done.read_text()
    bumped = text.replace("busybox:1.36", "busybox:1.37")
    done.write_text(bumped)
    code, out, err = _standalone(["undo", str(done)])
    assert code == 0, err
    assert kubectl_reader.read(out) == kubectl_reader.read(JOB.replace("busybox:1.36", "busybox:1.37"))
    added = text.replace("      containers:\n", "      containers:\n      - name: extra\n        image: busybox\n")
    done.write_text(added)
    code, out, err = _standalone(["undo", str(done)])
    assert code == 1
    assert "spec.template.spec.containers was changed after seq-fn sequenced this workload (extra added)" in err, err


def _entrypoint_config(tmp_path: Path) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text("apiVersion: seq-fn.dev/v1alpha1\nkind: SequenceContainers\nmetadata: {name: c}\n"
                      "strategy: entrypoint\n")  # fmt: skip
    return config


def test_a_new_order_on_a_sequenced_workload_is_sequenced_again_in_place(tmp_path: Path) -> None:
    done = _sequenced(tmp_path, JOB)
    reordered = done.read_text().replace('seq-fn.dev/order: "extract,load"', 'seq-fn.dev/order: "load,extract"')
    done.write_text(reordered)
    code, again, err = _standalone(["-v", str(done)])
    assert code == 0, err
    assert "re-sequenced in place (what it asks for changed" in err, err
    fresh = _sequenced(tmp_path, JOB.replace('"extract,load"', '"load,extract"')).read_text()
    assert again == fresh
    code, same, err = _standalone(["-v", str(tmp_path / "sequenced.yaml")])
    assert same == fresh and "re-sequenced" not in err


def test_another_strategy_in_the_config_re_sequences_a_sequenced_workload(tmp_path: Path) -> None:
    done = _sequenced(tmp_path, JOB)
    code, again, err = _standalone(["-v", "--config", str(_entrypoint_config(tmp_path)), str(done)])
    assert code == 0, err
    assert "re-sequenced in place (strategy init-containers -> entrypoint)" in err, err
    fresh = _sequenced(tmp_path, JOB, "--config", str(_entrypoint_config(tmp_path))).read_text()
    assert again == fresh


def test_kpt_undo_true_removes_the_rbac_seq_fn_added(tmp_path: Path) -> None:
    """The real kpt, ``-- undo=true``: the Role and RoleBinding files' objects go, the workload comes back."""
    case = GOLDEN / "wait-for-api-service-and-job"
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "app.yaml").write_text((case / "input.yaml").read_text())
    kpt, seq_fn = shutil.which("kpt"), shutil.which("seq-fn")
    assert kpt and seq_fn, "kpt and seq-fn must be on PATH (see .ci/run)"
    for args in ([], ["--", "undo=true"]):
        done = subprocess.run([kpt, "fn", "eval", str(package), "--exec", seq_fn, *args],
                              capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr
        text = (package / "app.yaml").read_text()
        assert ("kind: Role" in text) == (not args), text
    assert kubectl_reader.read((package / "app.yaml").read_text()) == kubectl_reader.read(
        (case / "input.yaml").read_text()
    )


def test_the_library_undoes_and_refuses_an_edit() -> None:
    import krm_fn

    job = yamlio.load_all(JOB)[0]
    sequenced = krm_fn.sequence(job)
    assert yamlio.to_plain(krm_fn.undo(sequenced)) == yamlio.to_plain(job)
    sequenced["metadata"]["annotations"]["seq-fn.dev/sequenced"] = "entrypoint"
    with pytest.raises(krm_fn.SequencingError, match=r"metadata\.annotations\.seq-fn\.dev/sequenced was changed"):
        krm_fn.undo(sequenced)


def test_a_field_seq_fn_dropped_comes_back_in_its_place() -> None:
    """``onIncompatibleFields: drop`` removes a probe from a step: undo puts it back where it stood among its keys."""
    import krm_fn

    job = yamlio.load_all(JOB.replace("        command: [sh, -c, \"echo extract\"]\n",
                                      "        livenessProbe: {exec: {command: [\"true\"]}}\n"
                                      "        command: [sh, -c, \"echo extract\"]\n"))[0]  # fmt: skip
    sequenced = krm_fn.sequence(yamlio.to_plain(job), {"onIncompatibleFields": "drop"})  # plain dicts: no insert()
    assert "livenessProbe" not in str(sequenced["spec"]["template"]["spec"]["initContainers"])
    back = krm_fn.undo(sequenced)
    assert list(back["spec"]["template"]["spec"]["containers"][1]) == ["name", "image", "livenessProbe", "command"]


FIDELITY = sorted(p for p in (Path(__file__).parent / "fidelity").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", FIDELITY, ids=[c.name for c in FIDELITY])
def test_undo_gives_back_the_bytes_of_comment_and_style_heavy_input(case: Path, tmp_path: Path) -> None:
    """The fidelity cases (comments that travel with moved containers, flow style, odd quoting, wide lists)."""
    code, sequenced, err = _standalone(["--all", str(case / "input.yaml")])
    assert code == 0, err
    (tmp_path / "sequenced.yaml").write_text(sequenced)
    code, back, err = _standalone(["undo", str(tmp_path / "sequenced.yaml")])
    assert code == 0, err
    assert back == (case / "input.yaml").read_text()


def test_plan_shows_what_undo_would_do(tmp_path: Path) -> None:
    done = _sequenced(tmp_path, JOB)
    code, out, err = _standalone(["plan", str(done)])
    assert code == 0, err
    assert "seq-fn undo would:\n" in out
    assert "move extract back from spec.template.spec.initContainers to spec.template.spec.containers" in out
    assert "remove metadata.annotations.seq-fn.dev/sequenced" in out
    code, out, _ = _standalone(["plan", str(GOLDEN / "skip-and-already-sequenced" / "input.yaml")])
    assert "cannot undo: it carries seq-fn.dev/sequenced but no seq-fn.dev/undo record" in out


def test_the_command_undoes_stdin_and_refuses_a_record_of_another_version(tmp_path: Path) -> None:
    sequenced = _sequenced(tmp_path, JOB).read_text()
    ran = command(["undo", "-"], stdin=sequenced)
    assert ran.code == 0, ran.stderr
    assert ran.stdout == JOB
    ran = command(["undo"], stdin=sequenced.replace("seq-fn.dev/undo: v1 ", "seq-fn.dev/undo: v9 "))
    assert ran.code == 1 and ran.stdout == ""
    assert "seq-fn.dev/undo has version 'v9', which this seq-fn does not read (it reads v1)" in ran.stderr


def test_another_strategy_asked_of_a_hand_edited_workload_is_an_error_naming_the_field(tmp_path: Path) -> None:
    done = _sequenced(tmp_path, JOB)
    done.write_text(
        done.read_text().replace(
            "kubectl.kubernetes.io/default-container: load", "kubectl.kubernetes.io/default-container: extract"
        )
    )
    code, out, err = _standalone([str(done)])
    assert code == 0 and out == done.read_text(), "the same ask: left as it is, as before undo existed"
    code, out, err = _standalone(["--config", str(_entrypoint_config(tmp_path)), str(done)])
    assert code == 1 and out == ""
    field = "spec.template.metadata.annotations.kubectl.kubernetes.io/default-container"
    assert f"strategy entrypoint is asked, but {field} was changed" in err, err
