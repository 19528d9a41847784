"""The ``seq-fn`` commands that take arguments: standalone mode over files, ``plan``, ``status``, ``schema``.

I/O lives here and in :mod:`krm_fn.standalone`; everything this module calls works on parsed objects.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator, Sequence

from krm_fn import __version__, cli, standalone
from krm_fn.cli import NAME
from krm_fn.sdk import objects, splicing, yamlio
from krm_fn.sdk.errors import ConfigError, InputError
from krm_fn.sdk.results import Results
from krm_fn.sequencing import config as seq_config
from krm_fn.sequencing import transformer

USAGE = f"""\
{NAME}                                   KRM function: ResourceList on stdin, ResourceList on stdout
{NAME} [--config CONFIG.yaml] FILE|DIR|- ...   standalone: plain YAML in, plain multi-document YAML out
{NAME} -f FILE [-f FILE ...]
{NAME} schema [--markdown]               print the JSON Schema of the functionConfig (or its reference page)
{NAME} plan [--config CONFIG.yaml] [--output text|json|mermaid] [FILE|DIR|-]...
                                         what would change, and why, without changing anything
{NAME} status [-o text|json] [POD.json|-]   which step of a live Pod runs, finished or waits
"""

EPILOG = """\
exit codes: 0 success (warnings allowed), 1 an error result (KRM mode: items unchanged; standalone: nothing
on stdout), 2 the input is not YAML or not a ResourceList.
docs: README.md (configuration reference, strategies, troubleshooting)."""


def main(args: Sequence[str]) -> int:
    """Every command but the bare KRM function: standalone mode, ``plan``, ``status``, ``schema``."""
    if args[0] == "schema":
        return _schema(args[1:])
    if args[0] == "plan":
        return _plan(args[1:])
    if args[0] == "status":
        return _status(args[1:])
    options = _parser().parse_args(args)
    files = [*options.filename, *options.files]
    if not files and options.config is None:
        return cli.krm(sys.stdin.buffer, sys.stdout.buffer, sys.stderr)
    return run_standalone(
        files or ["-"], config_path=options.config, verbose=options.verbose, drop_local=options.drop_local_config
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=NAME,
        usage=USAGE,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Make the containers of a Kubernetes Pod run, or start, one after another.",
    )
    parser.add_argument("files", nargs="*", metavar="FILE|DIR|-", help="plain YAML to sequence (standalone mode)")
    parser.add_argument(
        "-f",
        "--filename",
        action="append",
        default=[],
        metavar="FILE",
        help="a file, directory or - (like kubectl -f); may be repeated",
    )
    parser.add_argument(
        "--config", metavar="CONFIG.yaml", help="functionConfig for standalone mode: SequenceContainers or a ConfigMap"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="also print what was done (standalone mode)")
    parser.add_argument("--drop-local-config", action="store_true",
                        help="leave out objects marked config.kubernetes.io/local-config (the Kptfile, seq-fn's "
                        "config): what a GitOps render stage must not apply")  # fmt: skip
    parser.add_argument("--version", action="version", version=f"{NAME} {__version__}")
    return parser


class _Refused(Exception):
    """The inputs or the config file cannot be used; the reason is already on stderr."""

    def __init__(self, exit_code: int) -> None:
        super().__init__(exit_code)
        self.exit_code = exit_code


@contextlib.contextmanager
def _refusing(config_path: str | None) -> Iterator[None]:
    """Unreadable input exits 2 and a bad config file 1, each with one line on stderr (as :class:`_Refused`)."""
    try:
        yield
    except InputError as err:
        sys.stderr.write(f"{NAME}: {err}\n")
        raise _Refused(2) from None
    except ConfigError as err:
        sys.stderr.write(f"{NAME}: error: {config_path}: {err}\n")
        raise _Refused(1) from None


def _read_inputs(
    sources: Sequence[str], config_path: str | None
) -> tuple[list[standalone.Document], seq_config.SequenceConfig]:
    """The documents of every source and the config file; see :func:`_refusing`."""
    with _refusing(config_path):
        return standalone.read_sources(sources, sys.stdin.buffer.read), _load_config_file(config_path)


def run_standalone(sources: Sequence[str], *, config_path: str | None, verbose: bool, drop_local: bool = False) -> int:
    """Standalone mode; see :mod:`krm_fn.standalone`.

    Documents are read, sequenced and written one at a time, so only one document's parse is in memory at once;
    the output is held back until every document is done, because on any error nothing goes to stdout.
    """
    results = Results()
    out: list[str] = []
    try:
        with _refusing(config_path):
            config = _load_config_file(config_path)
            for doc in standalone.iter_documents(sources, sys.stdin.buffer.read):
                if drop_local and doc.obj is not None and objects.is_local_config(doc.obj):
                    continue
                changed = None
                if doc.obj is not None:
                    outcome = transformer.sequence_object(doc.obj, config)
                    results.extend(transformer.results_of(doc.obj, outcome))
                    changed = outcome.changed
                text, dropped = standalone.output_text(doc, changed, before=out[-1] if out else "")
                out.append(text)
                if dropped is not None:
                    results.append(dropped)
    except _Refused as refused:
        return refused.exit_code
    except splicing.WriteError as err:  # a bug in a writer: never print what does not read back
        sys.stderr.write(f"{NAME}: error: internal error, please report it: an object could not be written: {err}\n")
        return 1
    sys.stderr.write(standalone.stderr_lines(results, verbose=verbose))
    if results.has_errors:
        return 1
    sys.stdout.write("".join(out))
    return 0


def _load_config_file(path: str | None) -> seq_config.SequenceConfig:
    if path is None:
        return seq_config.SequenceConfig()
    try:
        with open(path, "rb") as handle:
            text = yamlio.decode(handle.read())
    except OSError as err:
        raise InputError(f"cannot read config {path}: {err.strerror}") from None
    docs = [d for d in yamlio.load_all(text) if d is not None]
    if len(docs) != 1 or not isinstance(docs[0], dict):
        raise ConfigError("the config file must hold exactly one object (SequenceContainers or ConfigMap)")
    return seq_config.load_config(docs[0])


def _plan(args: Sequence[str]) -> int:
    """``seq-fn plan``: exit 1 when any workload has an error (the plan still shows everything else)."""
    parser = argparse.ArgumentParser(prog=f"{NAME} plan", description="Show what seq-fn would do, and why.")
    parser.add_argument("files", nargs="*", metavar="FILE|DIR|-", help="plain YAML or a ResourceList (default: stdin)")
    parser.add_argument("--config", metavar="CONFIG.yaml", help="functionConfig (SequenceContainers or ConfigMap)")
    parser.add_argument("-o", "--output", choices=("text", "json", "mermaid"), default="text")
    options = parser.parse_args(args)
    from krm_fn import planview

    try:
        docs, config = _read_inputs(options.files or ["-"], options.config)
    except _Refused as refused:
        return refused.exit_code
    views = planview.build([d.obj for d in docs if d.obj is not None], config)
    render = {"text": planview.as_text, "json": planview.as_json, "mermaid": planview.as_mermaid}[options.output]
    sys.stdout.write(render(views))
    return 1 if any(f["severity"] == "error" for v in views for f in v.findings) else 0


def _status(args: Sequence[str]) -> int:
    """``kubectl get pod NAME -o json | seq-fn status``: exit 1 when a step failed, 2 when it is not a Pod."""
    parser = argparse.ArgumentParser(prog=f"{NAME} status", description="Where a sequenced Pod is, step by step.")
    parser.add_argument("file", nargs="?", default="-", help="the Pod as JSON or YAML (default: stdin)")
    parser.add_argument("-o", "--output", choices=("text", "json"), default="text")
    options = parser.parse_args(args)
    from dataclasses import asdict

    from krm_fn import status

    try:
        read, _ = _read_inputs([options.file], None)
    except _Refused as refused:
        return refused.exit_code
    docs = [d.obj for d in read if d.obj is not None]
    if len(docs) != 1 or docs[0].get("kind") != "Pod":
        sys.stderr.write(f"{NAME}: status needs one Pod (kubectl get pod NAME -o json), got {len(docs)} objects\n")
        return 2
    found = status.steps(docs[0])
    if options.output == "json":
        sys.stdout.write(json.dumps([asdict(s) for s in found], indent=2) + "\n")
    else:
        sys.stdout.write(status.as_text(docs[0], found))
    return 1 if status.failed(found) else 0


def _schema(args: Sequence[str]) -> int:
    """``seq-fn schema``: the JSON Schema; ``--markdown``: the configuration reference generated from it."""
    if args and list(args) != ["--markdown"]:
        sys.stderr.write(f"{NAME} schema takes no arguments but --markdown\n")
        return 2
    if args:
        from krm_fn import reference

        sys.stdout.write(reference.markdown(seq_config.schema()))
    else:
        sys.stdout.write(json.dumps(seq_config.schema(), indent=2) + "\n")
    return 0


__all__ = ["main"]
