"""The README's Python blocks run as written (in a scratch folder holding the small dataset
file they open)."""

import os
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```", README.read_text(encoding="utf-8"), re.M | re.S)


def test_readme_has_python_blocks():
    assert len(BLOCKS) >= 3


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    from sciml.data.pde.store import generate_dataset

    folder = tmp_path_factory.mktemp("readme")
    generate_dataset("darcy", folder / "darcy.h5", n=2, resolution=64, seed=0, progress=False)
    return folder


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_python_block_runs(index, scratch, capsys):
    here = os.getcwd()
    os.chdir(scratch)
    try:
        exec(compile(BLOCKS[index], f"README.md python block {index}", "exec"), {})
    finally:
        os.chdir(here)
