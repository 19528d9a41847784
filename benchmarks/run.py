"""Benchmark seq-fn against the libyaml floor, in one run, and print the ratios issue 7 targets.

    python3 -m benchmarks.run [--sizes 1000,2000,5000,10000] [--repeat 1] [--chart docs/performance.png]
                              [--wheels DIR] [--no-containers]

The floor is ``python3 -c "load with yaml.CSafeLoader; dump with yaml.CSafeDumper"`` over the same bytes.
seq-fn and the floor run alternately (floor, seq-fn, floor, seq-fn...) so that load on the machine hits both
alike; each figure is the median of ``--repeat`` runs. Wall time by ``time.perf_counter`` around the process,
peak memory from the process's own rusage (``ru_maxrss``). Not a test: it asserts nothing, it reports.

Cold start (:mod:`benchmarks.coldstart`) builds a clean venv from a wheel of the checkout (``--wheels DIR``: offline,
from that folder of wheels) and, unless ``--no-containers``, the function image and an identity image with podman.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks import coldstart
from benchmarks.generate import flow_resource_list, odd_resource_list, resource_list

FLOOR = ("import sys, yaml\nd = yaml.load(sys.stdin, Loader=yaml.CSafeLoader)\n"
         "sys.stdout.write(yaml.dump_all(d, Dumper=yaml.CSafeDumper) if isinstance(d, list) else "
         "yaml.dump(d, Dumper=yaml.CSafeDumper))\n")  # fmt: skip
NO_GC = "import gc\ngc.disable()\n"
FLOOR_ALL = ("import sys, yaml\nd = list(yaml.load_all(sys.stdin, Loader=yaml.CSafeLoader))\n"
             "sys.stdout.write(yaml.dump_all(d, Dumper=yaml.CSafeDumper))\n")  # fmt: skip


@dataclass(frozen=True)
class Sample:
    """One process run (or the median of several): wall seconds and peak resident memory in MiB.

    ``fastest`` is the quickest of the runs: on a shared machine, load only ever adds time, so for short runs it
    is the steadier estimate of what the process itself costs (the cold start lines print both).
    """

    seconds: float
    peak_mib: float
    fastest: float = 0.0


def measure(args: list[str], stdin: bytes, *, cwd: str | None = None) -> Sample:
    """Run ``args`` with ``stdin``; its wall time and its own peak RSS (children of it not counted)."""
    with tempfile.TemporaryFile() as feed, open(os.devnull, "wb") as sink:
        feed.write(stdin)
        feed.seek(0)
        started = time.perf_counter()
        process = subprocess.Popen(args, stdin=feed, stdout=sink, stderr=subprocess.DEVNULL, cwd=cwd)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} exited {os.waitstatus_to_exitcode(status)}: the benchmark input is valid")
    return Sample(seconds, usage.ru_maxrss / 1024)


def alternate(a: tuple[list[str], bytes], b: tuple[list[str], bytes], repeat: int) -> tuple[Sample, Sample]:
    """Median samples of a and b, run alternately."""
    first, second = alternate_all([a, b], repeat)
    return first, second


def alternate_all(cases: list[tuple[list[str], bytes]], repeat: int) -> list[Sample]:
    """Median samples of each case, run in turn (a, b, c, a, b, c...)."""
    samples: list[list[Sample]] = [[] for _ in cases]
    for _ in range(repeat):
        for case, runs in zip(cases, samples, strict=True):
            runs.append(measure(*case))
    return [_median(runs) for runs in samples]


def _median(samples: list[Sample]) -> Sample:
    return Sample(statistics.median(s.seconds for s in samples), statistics.median(s.peak_mib for s in samples),
                  min(s.seconds for s in samples))  # fmt: skip


def _ratio(mine: Sample, base: Sample, unit: float = 1000) -> str:
    """``67 ms vs 10 ms: 6.6x (fastest 52 vs 9: 5.8x)``, in ms (``unit`` 1000) or s (1)."""
    name = "ms" if unit == 1000 else "s"

    def fmt(seconds: float) -> str:
        return f"{seconds * unit:.0f}" if unit == 1000 else f"{seconds:.3f}"

    return (f"{fmt(mine.seconds)} {name} vs {fmt(base.seconds)} {name}: {mine.seconds / base.seconds:.2f}x "
            f"(fastest {fmt(mine.fastest)} vs {fmt(base.fastest)}: {mine.fastest / base.fastest:.2f}x)")  # fmt: skip


def standalone_text(rl: str) -> str:
    """The same resources as plain multi-document YAML (what ``seq-fn -f`` reads)."""
    body = rl.split("items:\n", 1)[1].rstrip("\n")
    items = body.split("\n- ")
    items[0] = items[0].removeprefix("- ")
    docs = ["\n".join(line if n == 0 else line[2:] for n, line in enumerate(item.split("\n"))) for item in items]
    return "".join(f"---\n{doc}\n" for doc in docs)


def kpt_package(rl: str, folder: Path) -> None:
    """Write the resources as files of a kpt package, 50 to a file."""
    docs = standalone_text(rl).split("---\n")
    for i in range(0, len(docs), 50):
        (folder / f"r{i:05d}.yaml").write_text("---\n".join(docs[i : i + 50]))


def main() -> None:
    """Measure every case and print the table and the ratios."""
    options = _options()
    sizes = _sizes(options.sizes)
    python = sys.executable
    # An installed seq-fn has its bytecode compiled at install time (pip and the image do it); an editable
    # checkout under PYTHONDONTWRITEBYTECODE would compile every module on every start instead.
    subprocess.run([python, "-m", "compileall", "-q", str(Path(__file__).parent.parent / "krm_fn")], check=True)
    seq_fn = [python, "-m", "krm_fn"]
    rows = []
    krm_times: dict[int, float] = {}
    floor_times: dict[int, float] = {}
    standalone_times: dict[int, float] = {}
    floor_all_times: dict[int, float] = {}
    for size in sizes:
        rl = resource_list(size).encode()
        plain = standalone_text(rl.decode()).encode()
        floor, krm = alternate(([python, "-c", FLOOR], rl), (seq_fn, rl), options.repeat)
        floor_plain, standalone = alternate(([python, "-c", FLOOR_ALL], plain), ([*seq_fn, "-"], plain), options.repeat)
        krm_times[size], floor_times[size] = krm.seconds, floor.seconds
        standalone_times[size], floor_all_times[size] = standalone.seconds, floor_plain.seconds
        rows.append((f"KRM mode, {size} resources", krm, floor))
        rows.append((f"standalone, {size} resources", standalone, floor_plain))
        print(f"measured {size}", file=sys.stderr)
    no_gc_line = _against_a_floor_without_gc(python, seq_fn, sizes[-1], options.repeat)
    no_gc_line += "\n" + "\n".join(_item_shapes(python, seq_fn, _sizes(options.shape_sizes), options.repeat))
    no_gc_line += "\n" + "\n".join(_odd_against_clean(seq_fn, 10_000, options.repeat))
    cold_lines = _cold_start(options.wheels, options.cold_repeat)
    if not options.no_containers:
        cold_lines += _in_containers(options.cold_repeat)
    kpt_line = _in_kpt_exec(options.repeat)

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nseq-fn benchmark, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores (load average at the end {load}), "
          f"median of {options.repeat}; cold start: median of {options.cold_repeat}\n")  # fmt: skip
    print("| case | seq-fn s | floor s | time ratio | seq-fn MiB | floor MiB | memory ratio |")
    print("|---|---|---|---|---|---|---|")
    for name, mine, base in rows:
        print(f"| {name} | {mine.seconds:.2f} | {base.seconds:.2f} | {mine.seconds / base.seconds:.2f}x "
              f"| {mine.peak_mib:.0f} | {base.peak_mib:.0f} | {mine.peak_mib / base.peak_mib:.2f}x |")  # fmt: skip
    if len(sizes) > 1:
        print(
            f"\ngrowth {sizes[-1]}/{sizes[0]} resources: seq-fn {krm_times[sizes[-1]] / krm_times[sizes[0]]:.1f}x "
            f"(target <= {sizes[-1] / sizes[0] * 1.1:.0f}), floor {floor_times[sizes[-1]] / floor_times[sizes[0]]:.1f}x"
        )
    print(no_gc_line)
    print(*cold_lines, sep="\n")
    print(kpt_line)
    series = {
        "seq-fn, KRM mode": krm_times,
        "floor: libyaml load + dump of the ResourceList": floor_times,
        "seq-fn, standalone mode": standalone_times,
        "floor: libyaml load_all + dump_all of the documents": floor_all_times,
    }
    _chart(sizes, series, options.chart)


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="seq-fn against the libyaml floor")
    parser.add_argument("--sizes", default="1000,2000,5000,10000")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--chart", default="docs/performance.png")
    parser.add_argument("--shape-sizes", default="5000,20000", help="sizes of the flow-mapping and odd-item lists")
    parser.add_argument("--wheels", help="install the clean venv offline, from this folder of wheels")
    parser.add_argument("--no-containers", action="store_true", help="skip the image figures (they need podman)")
    parser.add_argument("--cold-repeat", type=int, default=15, help="runs per side of each cold start figure")
    return parser.parse_args()


def _sizes(text: str) -> list[int]:
    return [int(s) for s in text.split(",")]


def _odd_against_clean(seq_fn: list[str], size: int, repeat: int) -> list[str]:
    """One odd item, an odd config value or a previous function's results against the clean list (issue 20).

    Measured in one run, alternating with the clean list of the same size: each must stay within 10% of it,
    since none of them may send the other items down another path.
    """
    clean = resource_list(size)
    head, _, items = clean.partition("items:\n")
    variants = {
        "one odd item first": odd_resource_list(size),
        "a previous function's results and a plain 1e3": clean
        + "results:\n- {message: 'from the function before', severity: info, x: 1e3}\n",
        "a functionConfig holding && and *x": head
        + "functionConfig:\n  apiVersion: seq-fn.dev/v1alpha1\n  kind: SequenceContainers\n  metadata: {name: c}\n"
        + "  entrypoint: {commands: {'busybox': [sh, -c, 'a && b *x !y']}}\nitems:\n"
        + items,
    }
    lines = []
    for name, text in variants.items():
        base, odd = alternate((seq_fn, clean.encode()), (seq_fn, text.encode()), repeat)
        lines.append(
            f"{name}, {size} resources: {odd.seconds:.2f} s vs the clean list {base.seconds:.2f} s "
            f"({odd.seconds / base.seconds:.2f}x; target at most 1.10x)"
        )
    return lines


def _item_shapes(python: str, seq_fn: list[str], sizes: list[int], repeat: int) -> list[str]:
    """Other item shapes against the floor: all flow mappings, and one odd item (tab, anchor, CR LF) first.

    Each must stay on the fast path: its time ratio near the block-style list's, its growth linear.
    """
    lines, times = [], {}
    for name, make in (("flow-mapping items", flow_resource_list), ("one odd item first", odd_resource_list)):
        for size in sizes:
            rl = make(size).encode()
            floor, mine = alternate(([python, "-c", FLOOR], rl), (seq_fn, rl), repeat)
            times[name, size] = mine.seconds
            lines.append(
                f"{name}, {size} resources: seq-fn {mine.seconds:.2f} s vs floor {floor.seconds:.2f} s "
                f"({mine.seconds / floor.seconds:.2f}x), {mine.peak_mib:.0f} MiB vs {floor.peak_mib:.0f} MiB"
            )
        if len(sizes) > 1:
            lines.append(
                f"{name}, growth {sizes[-1]}/{sizes[0]}: seq-fn {times[name, sizes[-1]] / times[name, sizes[0]]:.1f}x "
                f"(linear: {sizes[-1] / sizes[0]:.0f}x)"
            )
    return lines


def _against_a_floor_without_gc(python: str, seq_fn: list[str], size: int, repeat: int) -> str:
    """seq-fn's command turns the cyclic collector off; this compares it with a floor tuned the same way."""
    rl = resource_list(size).encode()
    plain = standalone_text(rl.decode()).encode()
    floor_rl, mine_rl = alternate(([python, "-c", NO_GC + FLOOR], rl), (seq_fn, rl), repeat)
    floor_all, mine_all = alternate(([python, "-c", NO_GC + FLOOR_ALL], plain), ([*seq_fn, "-"], plain), repeat)
    return (
        f"against a floor with the collector off too, {size} resources: KRM mode {mine_rl.seconds:.2f} s vs "
        f"{floor_rl.seconds:.2f} s ({mine_rl.seconds / floor_rl.seconds:.2f}x), standalone {mine_all.seconds:.2f} s "
        f"vs {floor_all.seconds:.2f} s ({mine_all.seconds / floor_all.seconds:.2f}x)"
    )


def _in_kpt_exec(repeat: int) -> str:
    """``kpt fn eval --exec`` with the installed seq-fn on a 1000-resource package, against ``cat`` as the function."""
    with tempfile.TemporaryDirectory() as tmp:
        pkg = Path(tmp) / "pkg"
        pkg.mkdir()
        kpt_package(resource_list(1000), pkg)
        work = Path(tmp) / "work"
        kpt = shutil.which("kpt") or "kpt"

        def kpt_run(function: list[str]) -> list[str]:
            return [
                "sh",
                "-c",
                f"rm -rf {work} && cp -r {pkg} {work} && {kpt} fn eval {work} --exec '{' '.join(function)}'",
            ]

        installed = shutil.which("seq-fn")
        if installed is None:
            raise SystemExit("seq-fn is not on PATH: pip install -e . first (kpt runs the installed command)")
        identity, in_kpt = alternate((kpt_run(["cat"]), b""), (kpt_run([installed]), b""), repeat)
    return (
        f"kpt fn eval --exec on 1000 resources: {in_kpt.seconds:.2f} s vs identity (cat) {identity.seconds:.2f} s: "
        f"{in_kpt.seconds / identity.seconds:.2f}x (target <= 1.3x)"
    )


def _cold_start(wheels: str | None, repeat: int) -> list[str]:
    """seq-fn's console script in a clean venv against the bare start of that venv's interpreter."""
    with tempfile.TemporaryDirectory() as tmp:
        venv = coldstart.clean_venv(Path(tmp), wheels)
        python = str(venv / "python")
        version = subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                                 capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
        bare, cold, pyyaml, configured = alternate_all(
            [([python, "-I", "-c", "pass"], b""), ([str(venv / "seq-fn")], coldstart.ONE.encode()),
             ([python, "-I", "-c", "import yaml"], b""), ([str(venv / "seq-fn")], coldstart.WITH_CONFIG.encode())],
            repeat,
        )  # fmt: skip
    return [
        f"cold start, one item, clean venv (Python {version}), seq-fn vs python -I -c pass: {_ratio(cold, bare)} "
        "(target <= 3x)",
        f"  the floor PyYAML sets, python -I -c 'import yaml' vs python -I -c pass: {_ratio(pyyaml, bare)}",
        f"  one item and a ConfigMap with one field (validated by jsonschema): {_ratio(configured, bare)}",
    ]


def _in_containers(repeat: int) -> list[str]:
    """The image's cold start against its own python's, and ``kpt fn eval --image`` against an identity image."""
    if shutil.which("podman") is None:
        return ["(no container figures: podman is not installed)"]
    image, sizes = coldstart.build_images()
    from tests.runtime.image import BASE

    python = coldstart.image_python(image)
    run = ["podman", "run", "--rm", "-i"]
    bare, cold = alternate(([*run, "--entrypoint", python, image, "-I", "-c", "pass"], b""),
                           ([*run, image], coldstart.ONE.encode()), repeat)  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        package, work = Path(tmp) / "pkg", Path(tmp) / "work"
        coldstart.kpt_package(package)
        identity, in_kpt = alternate((coldstart.kpt_image_run(package, work, coldstart.IDENTITY), b""),
                                     (coldstart.kpt_image_run(package, work, image), b""), repeat)  # fmt: skip
        if "initContainers" not in (work / "job.yaml").read_text():
            raise SystemExit("kpt fn eval --image did not sequence the benchmark's Job")
    return [
        f"cold start in the image, podman run seq-fn vs podman run {python} -I -c pass: {_ratio(cold, bare, 1)} "
        "(target <= 1.2x)",
        f"kpt fn eval --image, one workload, seq-fn vs an identity image on the same base: "
        f"{_ratio(in_kpt, identity, 1)} (target <= 1.2x)",
        f"image size: {image} {sizes[image] / 1e6:.1f} MB, its base {BASE} {sizes[BASE] / 1e6:.1f} MB "
        f"(seq-fn adds {(sizes[image] - sizes[BASE]) / 1e6:.1f} MB)",
    ]


def _chart(sizes: list[int], series: dict[str, dict[int, float]], path: str) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"(no chart: pip install matplotlib to write {path})")
        return
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for (label, times), style in zip(series.items(), ["o-", "s--", "^-", "v--"], strict=False):
        ax.plot(sizes, [times[s] for s in sizes], style, label=label)
    ax.set_xlabel("resources")
    ax.set_ylabel("wall time, seconds")
    ax.set_title("seq-fn against the libyaml floor")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"chart: {path}")


if __name__ == "__main__":
    main()
