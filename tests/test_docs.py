"""The docs stay true: the configuration reference is generated from the schema, and every error topic the code
uses has its section in the troubleshooting page that ships in the package (``seq-fn explain TOPIC``)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from krm_fn import explain, reference
from krm_fn.sequencing.config import schema
from tests.support.run import command

ROOT = Path(__file__).parent.parent


def test_the_configuration_reference_is_generated_from_the_schema():
    assert (ROOT / "docs" / "configuration.md").read_text() == reference.markdown(schema()), (
        "regenerate: seq-fn schema --markdown > docs/configuration.md"
    )
    assert command(["schema", "--markdown"]).stdout == reference.markdown(schema())


def test_every_schema_field_is_described():
    assert "|  |\n" not in reference.markdown(schema()), "a field without a description"


def _topics_the_code_names() -> set[str]:
    used = set()
    for path in (ROOT / "krm_fn").rglob("*.py"):
        used |= set(re.findall(r'topic="([a-z-]+)"', path.read_text()))
        used |= set(re.findall(r'_pointing\([^)]*"([a-z-]+)"\)', path.read_text()))
    assert used, "no topics found: the search is broken"
    return used


def test_every_error_topic_is_explained_by_the_installed_command():
    known = explain.sections()
    assert _topics_the_code_names() <= set(known), _topics_the_code_names() - set(known)
    for topic in _topics_the_code_names():
        ran = command(["explain", topic])
        assert ran.code == 0, ran.stderr
        assert ran.stdout.startswith(f"## {topic}: "), ran.stdout


def test_explain_lists_the_topics_and_refuses_an_unknown_one():
    listed = command(["explain"])
    assert listed.code == 0
    assert "order-and-dag" in listed.stdout and "entrypoint-command" in listed.stdout
    unknown = command(["explain", "no-such-topic"])
    assert unknown.code == 2
    assert "unknown topic 'no-such-topic'" in unknown.stderr and "order-and-dag" in unknown.stderr


def test_error_messages_point_to_their_explanation():
    ran = command(["-f", str(ROOT / "tests" / "golden" / "error-cycle" / "input.yaml")])
    assert "(see: seq-fn explain order-and-dag)" in ran.stderr


def test_the_wheel_ships_the_troubleshooting_page_the_pages_it_links_and_the_license(tmp_path: Path):
    """The page must be where seq-fn is installed, not only in a checkout (help and errors point to it), and so
    must every page it links to, and the license that pyproject.toml and metadata.yaml name."""
    source = tmp_path / "source"  # a clean copy: a build/ folder left in the checkout would hide a mistake
    shutil.copytree(ROOT / "krm_fn", source / "krm_fn", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(source), "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("seq_fn-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = archive.read("krm_fn/troubleshooting.md").decode()
        names = archive.namelist()
        linked = set(re.findall(r"\]\(([a-z0-9-]+\.md)", shipped))
        assert linked == {"reliability.md"}, linked
        for page in linked:
            assert archive.read(f"krm_fn/{page}") == (ROOT / "krm_fn" / page).read_bytes()
        (license_file,) = [n for n in names if n.endswith("/LICENSE") and ".dist-info/" in n]
        assert archive.read(license_file) == (ROOT / "LICENSE").read_bytes()
    assert shipped == explain.page()
    assert "Apache License" in (ROOT / "LICENSE").read_text() and "Version 2.0" in (ROOT / "LICENSE").read_text()


def test_explain_prints_links_to_pages_as_the_paths_they_are_installed_at():
    ran = command(["explain", "input"])
    (target,) = re.findall(r"\[reliability.md\]\(([^)]+)\)", ran.stdout)
    assert Path(target).is_file() and Path(target).read_text().startswith("#"), target
