"""What Helm does when it runs a post-renderer, for tests: the ``helm`` binary cannot be installed here.

Everything below was read in helm/helm's source, and each function names the file it follows:

- Helm 3, ``pkg/postrender/exec.go``: ``--post-renderer NAME`` is looked up on PATH (``exec.LookPath``, then made
  absolute); ``--post-renderer-args`` become its arguments, one per flag, unchanged; its environment is Helm's
  own; the rendered manifests are written to its stdin, which is then closed; its stdout is the new manifests;
  a non-zero exit fails the command with its stderr.
- Helm 4, ``internal/plugin/{loader,metadata,metadata_v1,config,runtime,subprocess_commands,runtime_subprocess}.go``
  and ``pkg/postrenderer/postrenderer.go``: ``--post-renderer NAME`` finds a plugin of that name and type
  ``postrenderer/v1``; ``plugin.yaml`` is decoded strictly at the top level; the command is the platform command
  that fits the OS and architecture, split on spaces, ``$VAR`` expanded, its ``args`` then
  ``--post-renderer-args`` appended; the environment is Helm's plus ``HELM_PLUGIN_NAME`` and ``HELM_PLUGIN_DIR``;
  stdin and stdout as in Helm 3; and an output that is blank after trimming is an error.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import yaml

#: MetadataV1's fields (metadata_v1.go), decoded with KnownFields(true): any other key fails the load.
METADATA_V1_FIELDS = frozenset({"apiVersion", "name", "type", "runtime", "version", "sourceURL", "config",
                                "runtimeConfig"})  # fmt: skip
#: The plugin types Helm 4 knows (plugin_type_registry.go); and the runtimes (loader.go).
PLUGIN_TYPES = frozenset({"test/v1", "cli/v1", "getter/v1", "postrenderer/v1"})
RUNTIMES = frozenset({"subprocess", "extism/v1"})
#: RuntimeConfigSubprocess (runtime_subprocess.go) and PlatformCommand (subprocess_commands.go).
SUBPROCESS_FIELDS = frozenset({"platformCommand", "platformHooks", "protocolCommands"})
PLATFORM_COMMAND_FIELDS = frozenset({"os", "arch", "command", "args"})
#: metadata.go: "must contain only a-z, A-Z, 0-9, _ and -".
VALID_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
#: SemVer 2 (the version's documented format; ``helm plugin package`` names the archive NAME-VERSION.tgz).
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")


def manifest_problems(plugin_yaml: str) -> list[str]:
    """What Helm 4's loader (or the run of a post-renderer plugin) would refuse in ``plugin_yaml``; [] if none."""
    meta: Any = yaml.safe_load(plugin_yaml)
    if not isinstance(meta, dict):
        return ["plugin.yaml must be a mapping"]
    problems = [f"unknown field {key!r} (Helm decodes plugin.yaml strictly)" for key in meta
                if key not in METADATA_V1_FIELDS]  # fmt: skip
    if meta.get("apiVersion") != "v1":
        problems.append(f"apiVersion must be v1, got {meta.get('apiVersion')!r}")
    if not isinstance(meta.get("name"), str) or not VALID_NAME.match(meta["name"]):
        problems.append(f"invalid plugin name {meta.get('name')!r}")
    if meta.get("type") != "postrenderer/v1":
        problems.append(f"type must be postrenderer/v1, got {meta.get('type')!r}")
    if meta.get("runtime") != "subprocess":
        problems.append(f"runtime must be subprocess, got {meta.get('runtime')!r}")
    if not isinstance(meta.get("version"), str) or not SEMVER.match(meta["version"]):
        problems.append(f"version must be a SemVer 2 string, got {meta.get('version')!r}")
    if meta.get("config") not in (None, {}):
        problems.append("config must be empty: ConfigPostRendererV1 has no fields (decoded strictly)")
    return problems + _runtime_problems(meta.get("runtimeConfig"))


def _runtime_problems(runtime: Any) -> list[str]:
    """What RuntimeConfigSubprocess and PlatformCommand would refuse, or leave without a command to run."""
    if not isinstance(runtime, dict):
        return ["runtimeConfig must be a mapping"]
    problems = [f"unknown runtimeConfig field {key!r}" for key in runtime if key not in SUBPROCESS_FIELDS]
    commands = runtime.get("platformCommand")
    if not isinstance(commands, list) or not commands:
        return [*problems, "runtimeConfig.platformCommand must be a non-empty list"]
    for i, entry in enumerate(commands):
        if not isinstance(entry, dict):
            problems.append(f"platformCommand[{i}] must be a mapping")
            continue
        problems += [f"unknown platformCommand[{i}] field {key!r}" for key in entry
                     if key not in PLATFORM_COMMAND_FIELDS]  # fmt: skip
        if not isinstance(entry.get("command"), str) or not entry["command"]:
            problems.append(f"platformCommand[{i}].command must be a non-empty string")
        args = entry.get("args", [])
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            problems.append(f"platformCommand[{i}].args must be a list of strings")
    return problems


def platform_command(commands: Sequence[Mapping[str, Any]], goos: str, goarch: str) -> tuple[list[str], list[str]]:
    """getPlatformCommand: exact OS and arch, else OS only, else neither; the command split on single spaces."""
    found: tuple[list[str], list[str]] | None = None
    found_os = False
    for entry in commands:
        os_, arch = str(entry.get("os", "")), str(entry.get("arch", ""))
        command, args = str(entry["command"]).split(" "), list(entry.get("args") or [])
        if os_.lower() == goos and arch.lower() == goarch:
            return command, args
        if (os_ and os_.lower() != goos) or arch:
            continue
        if not found_os and os_:
            found, found_os = (command, args), True
        elif found is None:
            found = (command, args)
    return found if found is not None else ([], [])


def _expand(text: str, env: Mapping[str, str]) -> str:
    """Go's os.Expand with the plugin's environment: ``$VAR`` and ``${VAR}``, unset is empty."""
    return re.sub(r"\$\{([^}]*)\}|\$([A-Za-z0-9_]+)", lambda m: env.get(m.group(1) or m.group(2), ""), text)


class Rendered(NamedTuple):
    """A post-render: Helm's error (None on success) and the manifests it would go on with."""

    error: str | None
    manifests: str


def _run(argv: Sequence[str], manifests: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), input=manifests, env=dict(env), capture_output=True, text=True, timeout=120,
                          check=False)  # fmt: skip


def helm3_post_render(name: str, args: Sequence[str], manifests: str, env: Mapping[str, str]) -> Rendered:
    """``helm template|install --post-renderer NAME --post-renderer-args ARG ...`` (pkg/postrender/exec.go)."""
    found = shutil.which(name, path=env.get("PATH"))
    if found is None:
        return Rendered(f"unable to find binary at {name}", "")
    done = _run([os.path.abspath(found), *args], manifests, env)
    if done.returncode != 0:
        return Rendered(f"error while running command {found}. error output:\n{done.stderr}", "")
    return Rendered(None, done.stdout)


def helm4_post_render(plugin_dir: Path, args: Sequence[str], manifests: str, env: Mapping[str, str]) -> Rendered:
    """``helm template --post-renderer PLUGIN --post-renderer-args ARG ...`` with a subprocess postrenderer/v1."""
    meta = yaml.safe_load((plugin_dir / "plugin.yaml").read_text())
    problems = manifest_problems((plugin_dir / "plugin.yaml").read_text())
    if problems:
        return Rendered(f"failed to load plugin {plugin_dir}: {'; '.join(problems)}", "")
    full_env = {**env, "HELM_PLUGIN_NAME": meta["name"], "HELM_PLUGIN_DIR": str(plugin_dir)}
    parts, base_args = platform_command(meta["runtimeConfig"]["platformCommand"], "linux", "amd64")
    if not parts or not parts[0]:
        return Rendered("no plugin command is applicable", "")
    main = _expand(parts[0], full_env)
    argv = [main, *(_expand(p, full_env) for p in parts[1:]), *(_expand(a, full_env) for a in base_args), *args]
    found = shutil.which(main, path=full_env.get("PATH")) if os.sep not in main else main
    if found is None:
        return Rendered(f'exec: "{main}": executable file not found in $PATH', "")
    done = _run([found, *argv[1:]], manifests, full_env)
    if done.returncode != 0:
        return Rendered(f'plugin "{meta["name"]}" exited with error', "")
    if not done.stdout.strip():
        return Rendered(f'post-renderer "{meta["name"]}" produced empty output', "")
    return Rendered(None, done.stdout)
