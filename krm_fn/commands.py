"""The ``seq-fn`` commands that take arguments: standalone mode, ``plan``, ``status``, ``schema``, ``explain``.

I/O lives here and in :mod:`krm_fn.standalone`; everything this module calls works on parsed objects.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from krm_fn import __version__, cli, standalone
from krm_fn.cli import NAME
from krm_fn.sdk import lines, objects, splicing, yamlio
from krm_fn.sdk.errors import ConfigError, InputError
from krm_fn.sdk.results import Result, Results
from krm_fn.sequencing import config as seq_config
from krm_fn.sequencing import meshes, transformer, waits_rbac

USAGE = f"""\
{NAME}                                   KRM function: ResourceList on stdin, ResourceList on stdout
{NAME} [--all] [--config CONFIG.yaml] FILE|DIR|- ...
                                         standalone: plain YAML in, plain multi-document YAML out
{NAME} -f FILE [-f FILE ...]
{NAME} --argocd-parameters [--config CONFIG.yaml] DIR
                                         standalone, with an Argo CD application's plugin parameters
{NAME} schema [--markdown]               print the JSON Schema of the functionConfig (or its reference page)
{NAME} plan [--all] [--config CONFIG.yaml] [--kubernetes-version 1.31] [--output text|json|mermaid] [FILE|DIR|-]...
                                         what would change, and why, without changing anything
{NAME} undo [-v] FILE|DIR|- ...          every sequenced workload back to what it was before seq-fn ran
{NAME} status [-o text|json] [POD.json|-]   which step of a live Pod runs, finished or waits
{NAME} explain [TOPIC]                   what an error means and the ways out (the topic its message names)
"""

EPILOG = """\
exit codes: 0 success (warnings allowed), 1 an error result (KRM mode: items unchanged; standalone: nothing
on stdout), 2 the input is not YAML or not a ResourceList.
help on an error: seq-fn explain TOPIC (every error message names its topic); seq-fn explain lists them.
configuration reference: seq-fn schema --markdown."""


def plain_stdin(data: bytes) -> int:
    """No arguments and a plain stream of objects on stdin (Helm's post-renderer call): standalone mode over it."""
    return run_standalone(["-"], config_path=_config_path(None), verbose=False, stdin=data)


def main(args: Sequence[str]) -> int:
    """Every command but the bare KRM function: standalone mode, ``plan``, ``status``, ``schema``."""
    commands = {"schema": _schema, "plan": _plan, "status": _status, "undo": _undo, "explain": _explain}
    if args[0] in commands:
        return commands[args[0]](args[1:])
    options = _parser().parse_args(args)
    files = [*options.filename, *options.files]
    data = None
    if not files:
        data = sys.stdin.buffer.read()
        if options.config is None and cli.is_krm_input(data):
            return cli.krm(data, sys.stdout.buffer, sys.stderr)
    return run_standalone(
        files or ["-"],
        stdin=data,
        config_path=_config_path(options.config),
        verbose=options.verbose,
        drop_local=options.drop_local_config,
        select_all=options.all,
        argocd=options.argocd_parameters,
    )


def _config_path(given: str | None) -> str | None:
    """The config file of standalone mode: ``--config``, else the file ``SEQ_FN_CONFIG`` names (when not empty)."""
    return given if given is not None else os.environ.get(cli.CONFIG_VARIABLE) or None


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
    _add_all(parser)
    parser.add_argument("-v", "--verbose", action="store_true", help="also print what was done (standalone mode)")
    parser.add_argument("--drop-local-config", action="store_true",
                        help="leave out objects marked config.kubernetes.io/local-config (the Kptfile, seq-fn's "
                        "config): what a GitOps render stage must not apply")  # fmt: skip
    parser.add_argument("--argocd-parameters", action="store_true",
                        help="lay an Argo CD application's plugin parameters (ARGOCD_APP_PARAMETERS, or PARAM_*) "
                        "over the config: strategy, selectAll, kubernetesVersion, sidecars")  # fmt: skip
    parser.add_argument("--version", action="version", version=f"{NAME} {__version__}")
    return parser


def _add_all(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--all", action="store_true",
                        help="sequence every pod-bearing workload, also those that declare no intent with a "
                        'seq-fn.dev annotation (seq-fn.dev/enabled: "false" still opts out)')  # fmt: skip


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
        sys.stderr.write(f"{NAME}: {err}{cli.INPUT_HELP}\n")
        raise _Refused(2) from None
    except ConfigError as err:
        for each in sorted(err.every(), key=lambda e: e.line or 0):  # every mistake of the config, in file order
            sys.stderr.write(
                f"{NAME}: error: {config_path}: {each}" + (f" (line {each.line})\n" if each.line else "\n")
            )
        raise _Refused(1) from None


def _read_inputs(
    sources: Sequence[str], config_path: str | None, *, select_all: bool = False
) -> tuple[list[standalone.Document], seq_config.SequenceConfig]:
    """The documents of every source and the config file; see :func:`_refusing`."""
    with _refusing(config_path):
        return standalone.read_sources(sources, sys.stdin.buffer.read), _load_config_file(config_path, select_all)


def run_standalone(
    sources: Sequence[str],
    *,
    config_path: str | None,
    verbose: bool,
    drop_local: bool = False,
    select_all: bool = False,
    argocd: bool = False,
    stdin: bytes | None = None,
) -> int:
    """Standalone mode; see :mod:`krm_fn.standalone`; ``argocd`` reads Argo CD's parameters (:mod:`krm_fn.argocd`).

    ``stdin``: standard input, when the caller has read it already (to tell a ResourceList from a plain stream).

    Documents are read, sequenced and written one at a time, so only one document's parse is in memory at once;
    the output is held back until every document is done, because on any error nothing goes to stdout.
    """
    results = Results()
    across: transformer.Across | None = None
    out: list[str] = []
    added: list[tuple[int, Any, standalone.Document]] = []  # each added object, where its text is in ``out``
    files: list[Any] = []  # the file annotations of every object read, for the indexes of the added ones
    # where each object was read (its file, and the lines before its document), by id: the objects the results at
    # the end are about are kept alive by them, so an id seen there is theirs
    places: dict[int, tuple[str, int]] = {}
    new: Sequence[Any]
    try:
        with _refusing(config_path):
            config = _load_config_file(config_path, select_all, argocd=argocd)
            across = transformer.Across(config, streaming=True)
            if stdin is None and "-" in sources:  # read once: the Namespaces are looked for ahead of the stream
                stdin = sys.stdin.buffer.read()
            read_stdin = sys.stdin.buffer.read if stdin is None else functools.partial(bytes, stdin)
            namespaces = meshes.Namespaces.of(standalone.namespaces_ahead(sources, read_stdin))
            for doc in standalone.iter_documents(sources, read_stdin):
                if drop_local and doc.obj is not None and objects.is_local_config(doc.obj):
                    continue
                changed, new = None, ()
                if doc.obj is not None:
                    outcome = transformer.sequence_object(doc.obj, config, namespaces)
                    results.extend(standalone.located(transformer.results_of(doc.obj, outcome), doc.source, doc.line))
                    for obj in (doc.obj, *(inner for inner, _ in outcome.inner)):  # for what is said at the end
                        places[id(obj)] = (doc.source, doc.line)
                    across.add(doc.obj, outcome)
                    changed, new = outcome.changed, outcome.added
                    files.append(objects.file_annotations(doc.obj))
                text, dropped = standalone.output_text(doc, changed, before=out[-1] if out else "")
                out.append(text)
                if dropped is not None:
                    results.append(dropped)
                for obj in new:  # the objects the workload needs (its RBAC): the next documents
                    out.append(standalone.added_text(obj, after=doc, before=out[-1]))
                    added.append((len(out) - 1, obj, doc))
    except _Refused as refused:
        return refused.exit_code
    except splicing.WriteError as err:  # a bug in a writer: never print what does not read back
        sys.stderr.write(f"{NAME}: error: internal error, please report it: an object could not be written: {err}\n")
        return 1
    sys.stderr.write(standalone.stderr_lines(results, verbose=verbose))
    if across is not None:

        def located(obj: Any, found: list[Result]) -> list[Result]:
            source, line = places.get(id(obj), ("", 0))
            return standalone.located(found, source, line)

        results.extend(after := across.results(located))
        sys.stderr.write(standalone.stderr_lines(Results(after), verbose=True))  # a no-op run says why
    if results.has_errors:
        return 1
    if across is not None:
        _settle_added(out, added, files, across)
    sys.stdout.write("".join(out))
    return 0


def _settle_added(
    out: list[str], added: list[tuple[int, Any, standalone.Document]], files: list[Any], across: transformer.Across
) -> None:
    """Settle the added objects' texts in ``out`` once every document is read.

    An object the input has already, as it is, is left out; the others get the next free index in their file when
    the input names files (a ResourceList from kpt), so that kpt can write them back.
    """
    present = across.rbac.present()
    kept = [(index, obj, doc) for index, obj, doc in added if id(obj) not in present]
    if objects.place_in_files(files, [obj for _, obj, _ in kept]):
        for index, obj, doc in kept:
            out[index] = standalone.added_text(obj, after=doc, before=out[index - 1])
    for index, obj, _ in added:
        if id(obj) in present:  # only the line break it may need stays
            out[index] = out[index][: len(out[index]) - len(out[index].lstrip("\r\n"))]


def _load_config_file(path: str | None, select_all: bool = False, *, argocd: bool = False) -> seq_config.SequenceConfig:
    """The config file's settings (defaults without one), with Argo CD's parameters over them (``argocd``).

    ``--all`` sets ``selectAll``. Under Argo CD, the cluster's ``KUBE_VERSION`` is the ``kubernetesVersion``
    when neither the parameters nor the file set one.
    """
    overrides, defaults = _argocd_settings() if argocd else (None, None)
    config = _config_file(path, overrides, defaults)
    return config._replace(select_all=True) if select_all else config


def _argocd_settings() -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Argo CD's parameters and its cluster version, each as a ConfigMap functionConfig; a bad one is refused."""
    from krm_fn import argocd

    with _refusing("Argo CD parameters"):
        overrides = argocd.as_configmap(argocd.parameters(os.environ))
        defaults = argocd.cluster_version(os.environ)
        try:
            seq_config.load_config(overrides, None, defaults)
        except ConfigError as err:
            named = [ConfigError(e.message, field=(e.field or "").removeprefix("data.") or None) for e in err.every()]
            raise ConfigError(named[0].message, field=named[0].field, also=tuple(named[1:])) from None
    return overrides, defaults


def _config_file(
    path: str | None, overrides: dict[str, Any] | None = None, defaults: dict[str, Any] | None = None
) -> seq_config.SequenceConfig:
    if path is None:
        return seq_config.load_config(None, overrides, defaults)
    try:
        with open(path, "rb") as handle:
            text = yamlio.decode(handle.read())
        docs = [d for d in yamlio.load_all(text) if d is not None]
    except OSError as err:
        raise InputError(f"cannot read config {path}: {err.strerror}") from None
    except InputError as err:  # not UTF-8, not YAML: say which file
        raise InputError(f"config {path}: {err}") from None
    if len(docs) != 1 or not isinstance(docs[0], dict):
        raise ConfigError("the config file must hold exactly one object (SequenceContainers or ConfigMap)")
    try:
        return seq_config.load_config(docs[0], overrides, defaults)
    except ConfigError as err:
        for each in err.every():  # where each field is in the file (a field of Argo CD's parameters is not)
            each.line = lines.line_of(docs[0], each.field) if each.field else None
        raise


def _plan(args: Sequence[str]) -> int:
    """``seq-fn plan``: exit 1 when any workload has an error (the plan still shows everything else)."""
    parser = argparse.ArgumentParser(prog=f"{NAME} plan", description="Show what seq-fn would do, and why.")
    parser.add_argument("files", nargs="*", metavar="FILE|DIR|-", help="plain YAML or a ResourceList (default: stdin)")
    parser.add_argument("--config", metavar="CONFIG.yaml", help="functionConfig (SequenceContainers or ConfigMap)")
    _add_all(parser)
    parser.add_argument("-o", "--output", choices=("text", "json", "mermaid"), default="text")
    parser.add_argument("--kubernetes-version", metavar="1.31",
                        help="plan for this version (kubernetesVersion) and say whether the output runs on it; "
                        "a patch release (1.33.4) also checks the kubelet fixes")  # fmt: skip
    options = parser.parse_args(args)
    from krm_fn import planview
    from krm_fn.sequencing import preflight

    asked = None
    if options.kubernetes_version is not None:
        asked = preflight.parse_version(options.kubernetes_version)
        if asked is None:
            parser.error(
                f"--kubernetes-version must be a version such as 1.31 or 1.33.4, not {options.kubernetes_version!r}"
            )
    try:
        docs, config = _read_inputs(options.files or ["-"], options.config, select_all=options.all)
    except _Refused as refused:
        return refused.exit_code
    if asked is not None:
        config = config._replace(kubernetes_version=(asked[0], asked[1]))
    read = [(d.obj, where) for d, where in zip(docs, _file_refs(docs), strict=True) if d.obj is not None]
    views = planview.build([obj for obj, _ in read], config, [where for _, where in read], asked)
    render = {"text": planview.as_text, "json": planview.as_json, "mermaid": planview.as_mermaid}[options.output]
    sys.stdout.write(render(views))
    errors = any(f["severity"] == "error" for v in views for f in v.findings)
    return 1 if errors or not planview.runs_on_asked(views) else 0


def _undo(args: Sequence[str]) -> int:
    """``seq-fn undo``: plain YAML in, the same with every sequenced workload undone and seq-fn's RBAC left out.

    As in standalone mode, untouched documents keep their bytes and nothing goes to stdout on any error.
    """
    parser = argparse.ArgumentParser(
        prog=f"{NAME} undo", description="Undo what seq-fn did (see: seq-fn explain undo)."
    )
    parser.add_argument("files", nargs="*", metavar="FILE|DIR|-", help="plain YAML or a ResourceList (default: stdin)")
    parser.add_argument("-v", "--verbose", action="store_true", help="also print what was undone")
    options = parser.parse_args(args)
    try:
        docs, _ = _read_inputs(options.files or ["-"], None)
    except _Refused as refused:
        return refused.exit_code
    results = Results()
    items = [doc.obj for doc in docs if doc.obj is not None]
    _, removed, _ = transformer.undo_all(items)
    removed_ids = {id(items[i]) for i in removed}
    out: list[str] = []
    try:
        for doc, where in zip(docs, _file_refs(docs), strict=True):
            changed, found = (None, []) if doc.obj is None else transformer.undo_object(doc.obj)
            results.extend(standalone.located(found, doc.source, doc.line))
            if doc.obj is not None and id(doc.obj) in removed_ids:
                text = f"{objects.describe(doc.obj)}: removed (seq-fn added it for {waits_rbac.added_for(doc.obj)})"
                results.append(Result(text, "info", objects.resource_ref(doc.obj), None, where))
                continue
            text, dropped = standalone.output_text(doc, changed, before=out[-1] if out else "")
            out.append(text)
            if dropped is not None:
                results.append(dropped)
    except splicing.WriteError as err:
        sys.stderr.write(f"{NAME}: error: internal error, please report it: an object could not be written: {err}\n")
        return 1
    sys.stderr.write(standalone.stderr_lines(results, verbose=options.verbose))
    if results.has_errors:
        return 1
    sys.stdout.write("".join(out))
    return 0


def _file_refs(docs: Sequence[standalone.Document]) -> list[dict[str, Any] | None]:
    """Where each document was read: its file and its index in that file, as kpt's annotations would say."""
    seen: dict[str, int] = {}
    out: list[dict[str, Any] | None] = []
    for doc in docs:
        index = seen.get(doc.source, 0)
        seen[doc.source] = index + 1
        where = {"path": doc.source, "index": index, "line": doc.line}
        out.append({"line": doc.line} if doc.source == standalone.STDIN else where)
    return out


def _status(args: Sequence[str]) -> int:
    """``kubectl get pod NAME -o json | seq-fn status``: exit 1 when a step failed, 2 when it is not a Pod."""
    parser = argparse.ArgumentParser(prog=f"{NAME} status", description="Where a sequenced Pod is, step by step.")
    parser.add_argument("file", nargs="?", default="-", help="the Pod as JSON or YAML (default: stdin)")
    parser.add_argument("-o", "--output", choices=("text", "json"), default="text")
    options = parser.parse_args(args)

    from krm_fn import status

    try:
        read, _ = _read_inputs([options.file], None)
    except _Refused as refused:
        return refused.exit_code
    docs = [d.obj for d in read if d.obj is not None]
    pod = status.pod_of(docs[0]) if len(docs) == 1 else None
    if pod is None:
        what = f"{len(docs)} objects" if len(docs) != 1 else f"a {docs[0].get('kind')}"
        if len(docs) == 1 and docs[0].get("kind") == "List":
            what = f"a List of {len(docs[0].get('items') or ())} objects"
        sys.stderr.write(
            f"{NAME}: status needs one Pod (kubectl get pod NAME -o json, or a List holding one), got {what}\n"
        )
        return 2
    found = status.steps(pod)
    if options.output == "json":
        sys.stdout.write(json.dumps([s._asdict() for s in found], indent=2) + "\n")
    else:
        sys.stdout.write(status.as_text(pod, found))
    return 1 if status.failed(found) else 0


def _explain(args: Sequence[str]) -> int:
    """``seq-fn explain [TOPIC]``: a section of the installed troubleshooting page, or the list of topics."""
    from krm_fn import explain

    found = explain.sections()
    if not args:
        sys.stdout.write(explain.listing(found))
        return 0
    if len(args) > 1 or args[0] not in found:
        sys.stderr.write(f"{NAME} explain: unknown topic {' '.join(args)!r}; known: {', '.join(found)}\n")
        return 2
    sys.stdout.write(found[args[0]])
    return 0


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
