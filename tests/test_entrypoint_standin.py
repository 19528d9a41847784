"""The entrypoint contract stand-in (``tests/runtime/entrypoint-standin.sh``) does what Tekton's v1.12.0 binary does.

The runtime tests trust the stand-in to behave like the real binary for every flag seq-fn emits, so each
behaviour is checked here, outside any container. What the real binary does comes from its source
(tektoncd/pipeline ``cmd/entrypoint``, ``pkg/entrypoint/entrypointer.go``, ``pkg/termination``) and from running it
(see the project's notes). ``sleep`` is replaced by a spy on PATH where a test must see how long the script would
wait, so no test waits on a clock.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

STANDIN = Path(__file__).parent / "runtime" / "entrypoint-standin.sh"
#: The host's sh, not busybox's: busybox runs ``sleep`` as a built-in applet, so the PATH spy would not see it.
#: The runtime tests run the same script under busybox inside containers.
SHELL = ["sh"]


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str
    run: Path

    @property
    def message(self) -> list[dict[str, object]]:
        return json.loads((self.run / "termination").read_text())

    def entries(self) -> dict[str, object]:
        return {str(e["key"]): e["value"] for e in self.message}

    def posted(self) -> str | None:
        out, err = (self.run / "out").exists(), (self.run / "out.err").exists()
        assert not (out and err), "a step posts one file, never both"
        return "out" if out else "err" if err else None

    def exit_code_file(self) -> str | None:
        path = self.run / "status" / "exitCode"
        return path.read_text() if path.exists() else None


def wrap(tmp: Path, *command: str, flags: tuple[str, ...] = (), spy_sleep: bool = False, touch: Path | None = None,
         env: dict[str, str] | None = None) -> Ran:  # fmt: skip
    """Run the stand-in as seq-fn wires step 0, with ``flags`` added before ``-entrypoint``."""
    run = tmp / "run" / "0"
    run.mkdir(parents=True, exist_ok=True)
    environ = {**os.environ, **(env or {})}
    if spy_sleep:
        bin_dir = tmp / "spy"
        bin_dir.mkdir(exist_ok=True)
        spy = bin_dir / "sleep"
        spy.write_text('#!/bin/sh\necho "$1" >> "$SLEEP_LOG"\n[ -z "${TOUCH:-}" ] || : > "$TOUCH"\n')
        spy.chmod(0o755)
        environ.update(PATH=f"{bin_dir}:{environ['PATH']}", SLEEP_LOG=str(tmp / "sleeps"), TOUCH=str(touch or ""))
    args = [*flags, "-post_file", str(run / "out"), "-termination_path", str(run / "termination"),
            "-step_metadata_dir", str(run / "status"), "-entrypoint", command[0], "--", *command[1:]]  # fmt: skip
    done = subprocess.run([*SHELL, str(STANDIN), *args], capture_output=True, text=True, timeout=60, env=environ,
                          check=False)  # fmt: skip
    return Ran(done.returncode, done.stdout, done.stderr, run)


def sleeps(tmp: Path) -> list[str]:
    log = tmp / "sleeps"
    return log.read_text().split() if log.exists() else []


def test_success_posts_out_writes_exit_code_0_and_a_message_with_started_at(tmp_path: Path):
    ran = wrap(tmp_path, "sh", "-c", 'printf "%s|" "$@"', "x", "a b", "--", "$(VAR)")
    assert ran.code == 0 and ran.posted() == "out"
    assert ran.stdout == "a b|--|$(VAR)|", "argv after -- reaches the command exactly"
    assert ran.exit_code_file() == "0"
    assert [e["key"] for e in ran.message] == ["StartedAt"] and ran.message[0]["type"] == 3


def test_a_failed_step_posts_err_exits_with_its_code_and_writes_no_exit_code_file(tmp_path: Path):
    ran = wrap(tmp_path, "sh", "-c", "exit 3")
    assert (ran.code, ran.posted(), ran.exit_code_file()) == (3, "err", None)
    assert "ExitCode" not in ran.entries()


def test_on_error_continue_posts_out_exits_0_and_keeps_the_code_in_the_message(tmp_path: Path):
    ran = wrap(tmp_path, "sh", "-c", "exit 3", flags=("-on_error", "continue"))
    assert (ran.code, ran.posted(), ran.exit_code_file()) == (0, "out", "3")
    assert ran.entries()["ExitCode"] == "3"


def test_a_step_whose_predecessor_posted_err_skips_without_running(tmp_path: Path):
    (tmp_path / "before.err").touch()
    ran = wrap(tmp_path, "sh", "-c", "echo RAN", flags=("-wait_file", str(tmp_path / "before")))
    assert (ran.code, ran.posted(), ran.exit_code_file()) == (1, "err", None)
    assert "RAN" not in ran.stdout
    assert "Skipping step because a previous step failed" in ran.stderr
    assert list(ran.entries()) == ["StartedAt"]


def test_waiting_polls_every_second_until_the_file_exists(tmp_path: Path):
    before = tmp_path / "before"
    ran = wrap(tmp_path, "true", flags=("-wait_file", str(before)), spy_sleep=True, touch=before)
    assert ran.code == 0 and ran.posted() == "out"
    assert sleeps(tmp_path) == ["1"], "one poll of one second, then the file was there"


def test_every_wait_file_is_waited_for(tmp_path: Path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.touch()
    ran = wrap(tmp_path, "true", flags=("-wait_file", f"{first},{second}"), spy_sleep=True, touch=second)
    assert ran.code == 0 and sleeps(tmp_path) == ["1"], "the second file was polled for"


@pytest.mark.parametrize("on_error", ["stopAndFail", "continue"])
def test_a_timeout_kills_the_step_posts_err_and_exits_1_even_under_continue(tmp_path: Path, on_error: str):
    ran = wrap(tmp_path, "/bin/sleep", "30", flags=("-on_error", on_error, "-timeout", "2s"), spy_sleep=True)
    assert (ran.code, ran.posted(), ran.exit_code_file()) == (1, "err", None)
    assert ran.entries()["Reason"] == "TimeoutExceeded" and "ExitCode" not in ran.entries()


@pytest.mark.parametrize(
    ("duration", "seconds"), [("1h30m", "5400"), ("1.5s", "1.5"), ("300ms", "0.3"), ("2m0.5s", "120.5"), ("10m", "600")]
)
def test_timeouts_are_go_durations(tmp_path: Path, duration: str, seconds: str):
    ran = wrap(tmp_path, "/bin/sleep", "5", flags=("-timeout", duration), spy_sleep=True)
    assert sleeps(tmp_path) == [seconds]
    assert ran.entries()["Reason"] == "TimeoutExceeded"


def test_a_timeout_of_0_means_none_and_a_bad_duration_is_refused(tmp_path: Path):
    assert wrap(tmp_path, "true", flags=("-timeout", "0"), spy_sleep=True).code == 0
    assert sleeps(tmp_path) == []
    refused = wrap(tmp_path, "true", flags=("-timeout", "10"))
    assert refused.code == 2 and 'invalid value "10" for flag -timeout' in refused.stderr


@pytest.mark.parametrize("command", ["/no/such/binary", "no-such-command"])
@pytest.mark.parametrize("on_error", ["stopAndFail", "continue"])
def test_a_command_that_cannot_start_posts_err_and_exits_1_even_under_continue(tmp_path: Path, command, on_error):
    ran = wrap(tmp_path, command, flags=("-on_error", on_error))
    assert (ran.code, ran.posted(), ran.exit_code_file()) == (1, "err", None)


def test_a_termination_message_that_cannot_be_written_fails_a_step_that_succeeded(tmp_path: Path):
    run = tmp_path / "run" / "0"
    run.mkdir(parents=True)
    args = ["-post_file", str(run / "out"), "-termination_path", str(tmp_path / "missing" / "termination"),
            "-step_metadata_dir", str(run / "status"), "-entrypoint", "true", "--"]  # fmt: skip
    done = subprocess.run([*SHELL, str(STANDIN), *args], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1 and (run / "out").exists()


def test_sigterm_is_forwarded_the_step_exits_255_and_posts_err(tmp_path: Path):
    run = tmp_path / "run" / "0"
    run.mkdir(parents=True)
    started = tmp_path / "started"
    args = ["-post_file", str(run / "out"), "-termination_path", str(run / "termination"),
            "-step_metadata_dir", str(run / "status"), "-entrypoint", "sh", "--", "-c",
            f": > {started}; exec /bin/sleep 30"]  # fmt: skip
    with subprocess.Popen([*SHELL, str(STANDIN), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        for _ in range(200):
            if started.exists():
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    assert code == 255
    assert (run / "out.err").exists() and not (run / "out").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run the copy as another uid")
def test_cp_writes_mode_0311_and_any_uid_can_run_the_copy():
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        folder = Path(tmp)
        folder.chmod(0o755)
        done = subprocess.run([*SHELL, str(STANDIN), "cp", str(STANDIN), str(folder / "entrypoint")], check=False)
        assert done.returncode == 0
        copy = folder / "entrypoint"
        assert stat.S_IMODE(copy.stat().st_mode) == 0o311
        run = folder / "run"
        run.mkdir(mode=0o777)
        run.chmod(0o777)
        ran = subprocess.run(
            ["setpriv", "--reuid", "1000", "--regid", "1000", "--clear-groups", str(copy),
             "-post_file", f"{run}/out", "-termination_path", f"{run}/termination", "-step_metadata_dir",
             f"{run}/status", "-entrypoint", "sh", "--", "-c", "id -u"],
            capture_output=True, text=True, timeout=60, check=False, cwd=folder,
        )  # fmt: skip
        assert (ran.returncode, ran.stdout.strip()) == (0, "1000"), ran.stderr
        assert (run / "out").exists()
