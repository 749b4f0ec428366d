"""The CLI helps: defaults in --help, a description for users, the benchmark names, global
flags after the sub-command, progress inside a batch, aligned and readable listings."""

import argparse

import pytest

from benchmarks import benchmark_names
from sciml.cli import build_parser, main
from sciml.data.pde.store import generate_dataset, open_dataset


def help_text(capsys, *argv) -> str:
    with pytest.raises(SystemExit):
        main([*argv, "--help"])
    return capsys.readouterr().out


def test_help_shows_defaults_and_speaks_to_users(capsys):
    top = help_text(capsys)
    assert "parses arguments" not in top and "datasets" in top and "sciml demo" in top
    train = help_text(capsys, "train")
    assert "--epochs EPOCHS       passes over the data (default: 150)" in train
    assert "--out OUT             run folder (resumed if it holds this run)\n" in train
    assert "--steps STEPS         K unrolled steps (default: 6)" in help_text(capsys, "refine")
    assert "(default: False)" not in train


def test_bench_help_lists_the_benchmarks(capsys):
    text = help_text(capsys, "bench")
    assert all(name in text for name in benchmark_names())


@pytest.mark.parametrize(
    ("argv", "quiet"),
    [
        (["matrices", "list"], False),
        (["--quiet", "matrices", "list"], True),
        (["matrices", "list", "--quiet"], True),
        (["precond", "eval", "--matrix", "nos4", "--quiet"], True),
        (["data", "generate", "darcy", "--n", "1", "--resolution", "8", "--out", "x", "--quiet"],
         True),
    ],
)
def test_quiet_works_before_and_after_the_sub_command(argv, quiet):
    assert build_parser().parse_args(argv).quiet is quiet


def test_generation_shows_time_steps_inside_a_batch(tmp_path, capsys):
    params = {"t_final": 0.02, "n_times": 2, "dt": 0.01}
    generate_dataset("navier-stokes", tmp_path / "ns.h5", n=1, resolution=8, params=params)
    assert "vorticity" in capsys.readouterr().err  # the solver's own per-step bar


def test_matrices_list_columns_line_up_and_info_prints_unicode(capsys):
    assert main(["matrices", "list"]) == 0
    header, *rows = capsys.readouterr().out.splitlines()
    column = header.index("sym")
    assert len(rows) > 20 and all(row[column : column + 3] in ("yes", "no ") for row in rows)
    assert main(["matrices", "info", "nos4"]) == 0
    out = capsys.readouterr().out
    assert "λ" in out and "\\u03bb" not in out


def test_dataset_repr_is_one_short_line(tmp_path):
    generate_dataset("darcy", tmp_path / "d.h5", n=3, resolution=16, progress=False)
    text = repr(open_dataset(tmp_path / "d.h5").at_resolution(8))
    expected = "'d.h5': darcy, 3 samples, grid 8^2, stride view of 16, ['a'] -> ['u']"
    assert text == f"FieldDataset({expected})"


def _commands(parser, path=()):
    """(path, parser) of every command and sub-command below ``parser``."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from _commands(sub, (*path, name))


def test_every_option_and_positional_says_what_it_is():
    placeholder = "(default: %(default)s)"  # what the parser puts where no help was written
    parser = build_parser()
    missing = [
        f"sciml {' '.join(path)} {'/'.join(action.option_strings) or action.dest}"
        for path, sub in [((), parser), *_commands(parser)]
        for action in sub._actions
        if not isinstance(action, argparse._HelpAction | argparse._SubParsersAction)
        and (not (action.help or "").strip() or action.help == placeholder)
    ]
    assert missing == []
