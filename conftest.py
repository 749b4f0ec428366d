"""Doctests (collected from the packages by ``--doctest-modules``) run in a fresh temporary
folder, so that examples may write files by plain relative names as a user would, and on one
BLAS/torch thread as the tests do."""

import os

import pytest
from _pytest.doctest import DoctestItem

os.environ.update({v: os.environ.get(v, "1") for v in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")})


@pytest.fixture(autouse=True)
def _doctest_in_temporary_folder(request, tmp_path, monkeypatch):
    if isinstance(request.node, DoctestItem):
        monkeypatch.chdir(tmp_path)
