"""The README's code runs as written (in a scratch folder holding the small dataset file it
opens): ``python`` blocks are executed, ``pycon`` blocks are doctests whose stated outputs
must match."""

import doctest
import os
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```python\n(.*?)^```", TEXT, re.M | re.S)
SESSIONS = re.findall(r"^```pycon\n(.*?)^```", TEXT, re.M | re.S)


def test_readme_has_python_blocks_and_sessions():
    assert len(BLOCKS) >= 2 and len(SESSIONS) >= 3


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    from sciml.data.pde.store import generate_dataset

    folder = tmp_path_factory.mktemp("readme")
    generate_dataset("darcy", folder / "darcy.h5", n=2, resolution=64, seed=0, progress=False)
    return folder


@pytest.fixture
def in_scratch(scratch):
    here = os.getcwd()
    os.chdir(scratch)
    yield scratch
    os.chdir(here)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_python_block_runs(index, in_scratch):
    exec(compile(BLOCKS[index], f"README.md python block {index}", "exec"), {})


@pytest.mark.parametrize("index", range(len(SESSIONS)))
def test_readme_session_prints_what_it_states(index, in_scratch):
    name = f"README.md pycon block {index}"
    test = doctest.DocTestParser().get_doctest(SESSIONS[index], {}, name, str(README), 0)
    assert test.examples, f"{name} has no >>> lines"
    report = []
    runner = doctest.DocTestRunner(
        optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS, verbose=False
    )
    runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)


def test_readme_is_a_front_door():
    """The README stays short: the details live in docs/ (guide, results pages)."""
    assert len(TEXT.splitlines()) <= 220


def test_readme_test_command_is_under_its_marker():
    """``.ci/run`` takes the first ``pytest`` line of the fenced block after the marker."""
    after = TEXT.split("<!-- test-command", 1)[1]
    block = re.match(r"[^\n]*-->\n```bash\n(.*?)^```", after, re.M | re.S)
    assert block, "no ```bash block right after the test-command marker"
    assert "pytest" in block.group(1)
