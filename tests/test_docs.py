"""The documentation's generators, without building it (the build is ``sphinx-build -W
--keep-going -b html docs docs/_build/html``, run by ``.ci/run``): the results pages read every
figure from an existing JSON file, one table row per entry; the API reference lists every name
of each package's ``__all__``; the registry table lists every registry of the code; the user
guide's ``>>>`` sessions print what they state; the gallery has its examples; the README and CI
name the one build command."""

from __future__ import annotations

import ast
import doctest
import importlib
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
BUILD = "sphinx-build -W --keep-going -b html docs docs/_build/html"
sys.path.insert(0, str(DOCS))

gen_api = importlib.import_module("gen_api")
gen_registries = importlib.import_module("gen_registries")
gen_results = importlib.import_module("gen_results")


# ----------------------------------------------------------------------------- results pages


def test_every_results_source_exists():
    assert gen_results.sources(), "the results generator reads no file"
    for name in gen_results.sources():
        assert (gen_results.RESULTS / name).is_file(), name


def test_every_prose_file_exists():
    for page in gen_results.PAGES:
        for name in page.prose:
            assert (gen_results.PROSE / f"{name}.md").is_file(), name


def _tables(markdown: str) -> list[list[str]]:
    """The rows of each ``| figure | value | read from |`` table, in order."""
    tables, rows, inside = [], [], False
    for line in markdown.splitlines():
        if line.startswith("| figure | value | read from |"):
            inside, rows = True, []
        elif inside and line.startswith("| ---"):
            continue
        elif inside and line.startswith("|"):
            rows.append(line)
        elif inside:
            tables.append(rows)
            inside = False
    if inside:
        tables.append(rows)
    return tables


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    out = tmp_path_factory.mktemp("results")
    written = gen_results.main(out)
    return {path.stem: path.read_text(encoding="utf-8") for path in written}


def test_generator_writes_a_page_per_capability_and_an_index(pages):
    assert set(pages) == {"index"} | {page.slug for page in gen_results.PAGES}
    for page in gen_results.PAGES:
        assert f"]({page.slug}.md)" in pages["index"]


def test_one_table_row_per_entry_each_reading_a_json_file(pages):
    for page in gen_results.PAGES:
        tables = _tables(pages[page.slug])
        assert len(tables) == len(page.tables), page.slug
        for table, rows in zip(page.tables, tables, strict=True):
            assert len(rows) == len(table.rows), f"{page.slug}: {table.source}"
            for row in rows:
                read_from = row.rstrip(" |").rsplit(" | ", 1)[-1]
                files = re.findall(r"`([\w.-]+\.json)`", read_from)
                assert files, f"{page.slug}: a row that reads no JSON file: {row}"
                for name in files:
                    assert (gen_results.RESULTS / name).is_file(), name


def test_each_table_names_its_command_and_machine(pages):
    for page in gen_results.PAGES:
        text = pages[page.slug]
        assert text.count("- **Reproduce:** `") == len(page.tables), page.slug
        assert text.count("- **Machine:** ") == len(page.tables), page.slug


def test_reader_names_file_and_key_of_a_missing_figure(tmp_path):
    (tmp_path / "x.json").write_text('{"a": {"b/c": [1, 2]}}', encoding="utf-8")
    reader = gen_results.Reader(tmp_path, "x.json")
    assert reader("a/b/c/1") == 2  # a key holding "/" is matched whole
    assert reader.each("a/*/0") == [1]
    with pytest.raises(KeyError, match="x.json:a/nope"):
        reader("a/nope")
    with pytest.raises(FileNotFoundError, match="y.json"):
        reader("y.json:a")


def test_readme_headline_table_is_the_generated_one():
    """The README's headline results are what ``python docs/gen_results.py --readme`` writes."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert gen_results.readme_region(text) == gen_results.render_headlines(), (
        "README.md's headline table is stale: run python docs/gen_results.py --readme"
    )


def test_headlines_link_existing_pages_and_read_json_files():
    slugs = {page.slug: page for page in gen_results.PAGES}
    assert 6 <= len(gen_results.HEADLINES) <= 10
    for headline in gen_results.HEADLINES:
        assert headline.slug in slugs, headline.slug
        assert (gen_results.RESULTS / headline.source).is_file(), headline.source
        assert headline.slug in slugs[headline.slug].prose, headline.slug
    table = gen_results.render_headlines()
    rows = [line for line in table.splitlines()[2:] if line.startswith("|")]
    assert len(rows) == len(gen_results.HEADLINES)
    for row in rows:
        target = re.search(r"\]\((docs/results/prose/[\w-]+\.md)\)", row)
        assert target and (ROOT / target.group(1)).is_file(), row
        for name in re.findall(r"`([\w.-]+\.json)`", row.rsplit(" | ", 1)[-1]):
            assert (gen_results.RESULTS / name).is_file(), name
    assert "missed" in table and "met" in table  # the honest story: both


def test_readme_rewrite_replaces_only_the_region(tmp_path):
    readme = tmp_path / "README.md"
    start, end = gen_results.README_START, gen_results.README_END
    readme.write_text(f"before\n{start}\n| stale |\n{end}\nafter\n", encoding="utf-8")
    assert gen_results.update_readme(readme)
    text = readme.read_text(encoding="utf-8")
    assert text.startswith(f"before\n{start}\n") and text.endswith(f"{end}\nafter\n")
    assert gen_results.readme_region(text) == gen_results.render_headlines()
    assert not gen_results.update_readme(readme)  # idempotent
    readme.write_text("no markers\n", encoding="utf-8")
    with pytest.raises(ValueError, match="headline-results"):
        gen_results.update_readme(readme)


# ----------------------------------------------------------------------------- API reference

USER_PACKAGES = (
    "sciml.data.pde",
    "sciml.data.matrices",
    "sciml.operators",
    "sciml.training",
    "solvers",
    "linalg_discovery",
)


def test_api_reference_covers_the_user_packages():
    documented = {package for package, _, _ in gen_api.PACKAGES}
    assert set(USER_PACKAGES) <= documented


def test_api_reference_lists_every_exported_name():
    text = gen_api.render()
    for package, _, _ in gen_api.PACKAGES:
        names = importlib.import_module(package).__all__
        assert names, f"{package} exports nothing"
        for name in names:
            assert f"\n   {package}.{name}\n" in text, f"{package}.{name} is not in the API pages"


# ----------------------------------------------------------------------------- registries


def test_registry_table_lists_every_registry_and_its_names():
    from sciml.core.registry import Registry

    rows = gen_registries.registries()
    found = {f"{row.module}.{row.attribute}" for row in rows}
    # every module-level Registry(...) in the source, found independently of the generator
    expected = set()
    for package in gen_registries.PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for match in re.finditer(r"^([A-Z_]+)\s*=\s*Registry\(", text, re.M):
                module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
                expected.add(f"{module.removesuffix('.__init__')}.{match.group(1)}")
    assert found == expected
    text = gen_registries.render(rows)
    for row in rows:
        registry = getattr(importlib.import_module(row.module), row.attribute)
        assert isinstance(registry, Registry)
        assert row.names == registry.names()
        for name in row.names:
            assert f"`{name}`" in text


# ----------------------------------------------------------------------------- guide sessions

PYCON = re.compile(r"^```pycon\n(.*?)^```", re.M | re.S)
SESSIONS = [
    (path, index, block)
    for path in sorted(DOCS.rglob("*.md"))
    if not {"_build", "generated"} & set(path.relative_to(DOCS).parts)
    for index, block in enumerate(PYCON.findall(path.read_text(encoding="utf-8")))
]


def test_the_guide_has_sessions():
    assert len(SESSIONS) >= 3


@pytest.mark.parametrize(
    ("path", "index", "block"),
    SESSIONS,
    ids=[f"{p.relative_to(DOCS)}:{i}" for p, i, _ in SESSIONS],
)
def test_guide_session_prints_what_it_states(path, index, block):
    name = f"{path.relative_to(ROOT)} pycon block {index}"
    test = doctest.DocTestParser().get_doctest(block, {}, name, str(path), 0)
    assert test.examples, f"{name} has no >>> lines"
    report = []
    runner = doctest.DocTestRunner(
        optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS, verbose=False
    )
    runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)


# ----------------------------------------------------------------------------- gallery, CLI


def test_gallery_has_an_example_per_capability():
    examples = sorted((DOCS / "examples").glob("plot_*.py"))
    assert len(examples) >= 8
    for path in examples:
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        assert docstring, path.name
        title, underline = docstring.splitlines()[:2]
        assert set(underline) == {"="} and len(underline) >= len(title), path.name


def test_cli_reference_is_generated_from_the_parser():
    text = (DOCS / "cli.rst").read_text(encoding="utf-8")
    assert ".. argparse::" in text and ":func: build_parser" in text
    from sciml.cli import build_parser

    assert build_parser().prog == "sciml"


def test_readme_and_ci_name_the_build_command():
    assert BUILD in (ROOT / "README.md").read_text(encoding="utf-8")
    assert BUILD in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
