"""Broken or odd data files are refused in one line that names the file and what is wrong:
a field missing, fields whose shapes disagree, a folder, an empty or a non-HDF5 file."""

from __future__ import annotations

import shutil

import h5py
import numpy as np
import pytest

from sciml.cli import main
from sciml.data.pde.readers.common import read_h5
from sciml.data.pde.store import describe_dataset, generate_dataset, open_dataset


@pytest.fixture(scope="module")
def darcy(tmp_path_factory):
    path = tmp_path_factory.mktemp("readers") / "darcy.h5"
    generate_dataset("darcy", path, n=3, resolution=8, seed=0, progress=False)
    return path


def edited(darcy, tmp_path, name, edit):
    path = tmp_path / name
    shutil.copy(darcy, path)
    with h5py.File(path, "a") as f:
        edit(f)
    return path


def refused_in_one_line(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    return err


def test_a_missing_field_is_named_with_the_file(darcy, tmp_path, capsys):
    path = edited(darcy, tmp_path, "no-u.h5", lambda f: f.__delitem__("u"))
    for read in (open_dataset, describe_dataset):
        with pytest.raises(ValueError, match=r"no-u.h5: the field\(s\) \['u'\] listed"):
            read(path)
    assert "'u'" in refused_in_one_line(capsys, ["data", "info", str(path)])


def test_missing_metadata_is_named_with_the_file(darcy, tmp_path, capsys):
    path = edited(darcy, tmp_path, "bare.h5", lambda f: f.attrs.__delitem__("input_fields"))
    with pytest.raises(ValueError, match=r"bare.h5: the metadata attributes \['input_fields'\]"):
        open_dataset(path)
    refused_in_one_line(capsys, ["data", "info", str(path)])


def test_fields_of_different_grids_are_refused_naming_both_shapes(darcy, tmp_path, capsys):
    def finer_a(f):
        del f["a"]
        f.create_dataset("a", data=np.ones((3, 16, 16), np.float32))

    path = edited(darcy, tmp_path, "mixed.h5", finer_a)
    message = r"mixed.h5: field 'a' has shape \(3, 16, 16\) but 'u' has \(3, 8, 8\)"
    for read in (open_dataset, describe_dataset):
        with pytest.raises(ValueError, match=message):
            read(path)
    refused_in_one_line(capsys, ["data", "info", str(path)])


def test_fields_that_disagree_with_the_metadata_are_refused(darcy, tmp_path):
    path = edited(darcy, tmp_path, "wrong-n.h5", lambda f: f.attrs.__setitem__("n", 5))
    with pytest.raises(ValueError, match=r"wrong-n.h5: the fields have shape \(3, 8, 8\), but"):
        open_dataset(path)


@pytest.mark.parametrize("suffix", [".h5", ".pt"])
def test_a_folder_or_an_empty_file_is_called_what_it_is(tmp_path, capsys, suffix):
    folder = tmp_path / f"folder{suffix}"
    folder.mkdir()
    empty = tmp_path / f"empty{suffix}"
    empty.touch()
    for path, what in ((folder, "is a folder"), (empty, "is empty")):
        with pytest.raises(ValueError, match=what):
            open_dataset(path)
        assert what in refused_in_one_line(capsys, ["data", "info", str(path)])


def test_a_file_that_is_not_hdf5_says_so(tmp_path, capsys):
    path = tmp_path / "notes.h5"
    path.write_text("not a dataset\n")
    err = refused_in_one_line(capsys, ["data", "info", str(path)])
    assert "notes.h5 is not an HDF5 file" in err


def test_a_dataset_a_reader_needs_but_the_file_lacks_is_a_value_error(darcy):
    with pytest.raises(ValueError, match="darcy.h5: a field this format needs is missing"):
        read_h5(darcy, True, lambda f: f["velocity"])
