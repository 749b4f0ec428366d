"""``sciml`` command line: parses arguments and calls library functions (imported lazily)."""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

USER_ERRORS = (ValueError, TypeError, FileNotFoundError, FileExistsError, FloatingPointError)
# torch's words for an allocation that cannot succeed (CPU allocator, CUDA, a size overflow)
_OUT_OF_MEMORY = re.compile(
    r"can't allocate memory|out of memory|Storage size calculation overflowed"
)
_NEGATIVE_VALUE = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?([,/].*)?$")


DESCRIPTION = """\
Scientific machine learning from the command line: generate PDE datasets (Darcy, Burgers,
Navier-Stokes, Kolmogorov), train neural operators on them at several resolutions and refine
them iteratively (IRNO), explore a sparse-matrix collection, compare learned polynomial
preconditioners with classical ones (AutoSpec), search for randomized linear-algebra
algorithms (RL4RLA), and run the benchmarks.

`sciml demo` runs a small tour of everything; `sciml COMMAND --help` shows a command's options.
"""


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults in the help of options that have one (not of flags or empty lists)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False or action.default == []:
            return None if action.help == "(default: %(default)s)" else action.help
        return super()._get_help_string(action)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)
        # values that start like a negative number (-0.5,1.5, -1e-3 or -1/2) are values, so that
        # their option's own check names what is wrong, not "expected one argument"
        self._negative_number_matcher = _NEGATIVE_VALUE

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)
        if action.help is None and action.option_strings:
            action.help = "(default: %(default)s)"  # _HelpFormatter drops it without a default
        return action

    def error(self, message: str) -> None:  # one line, exit code 2
        self.exit(2, f"{self.prog}: error: {message}\n")


def _share_global_flags(parser: argparse.ArgumentParser) -> None:
    """Accept ``--quiet`` after the sub-command too (``sciml data generate ... --quiet``); a
    suppressed default keeps the value given before the sub-command."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                if any(isinstance(a, argparse._SubParsersAction) for a in sub._actions):
                    _share_global_flags(sub)
                else:
                    sub.add_argument(
                        "--quiet",
                        action="store_true",
                        default=argparse.SUPPRESS,
                        help="no progress bars",
                    )


def _param(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` → (key, value parsed as JSON, else the text); argparse's message names
    the option (``--param``, ``--model-option``)."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def _nonnegative_int(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return int(text)


def _seed(text: str) -> int:
    """A seed: an integer in [0, 2⁶⁴ − 1], the range torch generators and HDF5 attributes take."""
    value = _nonnegative_int(text)
    if value > 2**64 - 1:
        raise argparse.ArgumentTypeError(f"expected an integer in [0, 2**64 - 1], got {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value > 2**63 - 1:  # beyond what torch, NumPy and HDF5 store as an integer
        raise argparse.ArgumentTypeError(f"expected an integer below 2**63, got {text!r}")
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _number(expected: str, ok: Callable[[float], bool]) -> Callable[[str], float]:
    """A parser of one finite number for which ``ok`` holds (``expected`` says which)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and ok(value)):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return parse


_positive_float = _number("a positive number", lambda v: v > 0)
_nonnegative_float = _number("a number >= 0", lambda v: v >= 0)
_open_fraction = _number("a number in (0, 1)", lambda v: 0 < v < 1)
_fraction_below_one = _number("a number in [0, 1)", lambda v: 0 <= v < 1)


def _writable(folder: Path, text: str) -> None:
    """Refuse ``text`` unless this process may create entries in ``folder`` or, where that
    does not exist yet, in its nearest existing parent."""
    existing = next((p for p in (folder, *folder.parents) if p.exists()), Path.cwd())
    if existing.is_dir() and not os.access(existing, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(
            f"cannot write {text!r}: no permission to write into the folder {str(existing)!r}"
        )


def _path(text: str) -> str:
    """A path, not the empty string (an unset shell variable), which would name the current
    folder."""
    if not text:
        raise argparse.ArgumentTypeError("expected a path, got ''")
    return text


def _file_to_write(text: str) -> str:
    """A file path to write: not an existing folder, not inside a file, in a folder this
    process may write into."""
    path = Path(_path(text))
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a folder; name the file to write")
    if any(parent.is_file() for parent in path.parents):
        raise argparse.ArgumentTypeError(f"{text!r} lies inside a file, not a folder")
    _writable(path.parent, text)
    return text


def _json_to_write(text: str) -> str:
    """A JSON report to write (``--json``): a file to write that, if it exists, holds JSON (an
    earlier report, replaced) and is not the record of a run (``run.json``, ``refine.json``)."""
    path = Path(_file_to_write(text))
    if not path.is_file():
        return text
    with open(path, "rb") as f:
        start = f.read(64).lstrip()
    if start and start[:1] not in (b"{", b"["):
        raise argparse.ArgumentTypeError(
            f"{text!r} exists and does not hold JSON (a data or model file?); it would be "
            "replaced: name another file"
        )
    if path.name in ("run.json", "refine.json"):
        try:
            record = json.loads(path.read_text())
        except (ValueError, UnicodeDecodeError):
            record = None
        if isinstance(record, dict) and "spec" in record:
            raise argparse.ArgumentTypeError(
                f"{text!r} is the record of the run in {str(path.parent)!r}; name another file"
            )
    return text


def _folder_to_write(text: str) -> str:
    """A folder path to write into: not an existing file, not inside a file, writable."""
    path = Path(_path(text))
    if path.is_file():
        raise argparse.ArgumentTypeError(f"{text!r} is a file; name a folder")
    if any(parent.is_file() for parent in path.parents):
        raise argparse.ArgumentTypeError(f"{text!r} lies inside a file, not a folder")
    _writable(path, text)
    return text


def _file_to_read(text: str) -> str:
    """A file path to read: a folder is refused as one (a missing file is left to the
    reader, which names it)."""
    if Path(_path(text)).is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a folder; name the dataset file")
    return text


def _device(text: str) -> str:
    """A torch device this machine has (``cpu``, ``cuda``, ``cuda:1``, ``mps``); torch is
    imported only for a device other than ``cpu``."""
    if text == "cpu":
        return text
    import torch

    try:
        device = torch.device(text)
    except (RuntimeError, ValueError):
        raise argparse.ArgumentTypeError(
            f"expected a torch device such as cpu, cuda or cuda:0, got {text!r}"
        ) from None
    if device.type == "cuda" and not (
        torch.cuda.is_available() and (device.index or 0) < torch.cuda.device_count()
    ):
        raise argparse.ArgumentTypeError(f"{text!r} is not available on this machine")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise argparse.ArgumentTypeError(f"{text!r} is not available on this machine")
    return text


def _data_generate(args: argparse.Namespace) -> int:
    from sciml.data.pde.checks import check_params as check_values  # NumPy only

    check_values(args.pde, dict(args.param))  # the values given, before torch and h5py load
    from sciml.data.pde.store import generate_dataset, parse_shard

    params = dict(args.param)
    if args.preset is not None:
        from sciml.data.pde.presets import preset_params

        params = {**preset_params(args.pde, args.preset), **params}
    if args.pde == "darcy":  # refuse meaningless values before anything touches the disk
        from sciml.data.pde.presets import check_params

        check_params(args.pde, params)
    result = generate_dataset(
        args.pde,
        args.out,
        n=args.n,
        resolution=args.resolution,
        seed=args.seed,
        params=params,
        shard=parse_shard(args.shard) if args.shard is not None else None,
        batch_size=args.batch_size,
        progress=not args.quiet,
        device=args.device,
    )
    if result.complete:
        computed = result.batches_computed
        print(f"wrote {result.path} ({computed} batch{'' if computed == 1 else 'es'} computed now)")
    else:
        print(
            f"{result.batches_done}/{result.batches_total} batches done; run again without "
            f"--shard once every shard has finished to assemble {result.path}"
        )
    return 0


def _data_info(args: argparse.Namespace) -> int:
    from sciml.data.pde.store import describe_dataset

    info = describe_dataset(args.file)
    print(json.dumps(info, indent=2, default=str, ensure_ascii=False))
    bad = {name: rows for name, rows in info["non_finite"].items() if rows}
    if bad:
        listed = "; ".join(f"{name}: samples {rows[:20]}" for name, rows in bad.items())
        print(f"warning: NaN or Inf in {listed}", file=sys.stderr)
    return 0


def _matrices_list(args: argparse.Namespace) -> int:
    from sciml.data.matrices import list_matrices

    rows = list_matrices()
    width = max(len("name"), *(len(m.name) for m in rows))
    print(f"{'name':<{width}} {'n':>8} {'nnz':>10}  sym  spd  {'source':<11} kind")
    for m in rows:
        print(
            f"{m.name:<{width}} {m.n:>8} {m.nnz:>10}  {'yes' if m.symmetric else 'no':<4} "
            f"{'yes' if m.spd else 'no':<4} {m.source:<11} {m.kind}"
        )
    return 0


def _matrices_info(args: argparse.Namespace) -> int:
    from sciml.data.matrices import matrix_info

    info = matrix_info(args.name, **dict(args.param))
    print(json.dumps(info, indent=2, default=str, ensure_ascii=False))
    return 0


def _int_list(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers like 16,32,64, got {text!r}") from None
    if any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}")
    return values


def _float_list(text: str) -> tuple[float, ...]:
    """Shares like ``0.5,0.5``: finite numbers >= 0."""
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers like 0.5,0.5, got {text!r}") from None
    if not all(math.isfinite(v) and v >= 0 for v in values):
        raise argparse.ArgumentTypeError(f"expected shares >= 0 like 0.5,0.5, got {text!r}")
    return values


def _train(args: argparse.Namespace) -> int:
    if args.mix is not None and args.curriculum == "incremental":
        raise ValueError(
            "--mix applies only to --curriculum mix; --curriculum incremental uses every "
            "sample at each stage's resolution"
        )
    from sciml.training import distributed as ddp
    from sciml.training.run import RunSpec, default_operator_config, open_run_data, train_run
    from sciml.training.trainer import TrainConfig

    mix = args.mix or (1.0 / len(args.resolutions),) * len(args.resolutions)
    spec = RunSpec(
        data=str(Path(args.data).resolve()),
        resolutions=args.resolutions,
        mix=mix,
        curriculum=args.curriculum,
        method=args.method,
        test_fraction=args.test_fraction,
        val_fraction=args.val_fraction,
        batch_size=args.batch_size,
        task=args.task,
        input_steps=args.input_steps,
    )
    options = {"hidden_channels": args.width, "n_layers": args.layers, "modes": args.modes}
    if args.model_option:
        options["options"] = dict(args.model_option)
    model = default_operator_config(open_run_data(spec), args.resolutions, args.model, **options)
    train = TrainConfig(epochs=args.epochs, lr=args.lr, loss=args.loss, seed=args.seed)
    distributed = ddp.launched_by_torchrun()
    if distributed:
        ddp.init_from_env()
    try:
        summary = train_run(
            spec,
            args.out,
            model_config=model,
            train_config=train,
            device=args.device,
            progress=not args.quiet and ddp.is_main(),
        )
        main_rank = ddp.is_main()
    finally:
        if distributed:
            ddp.cleanup()
    if main_rank:
        print(json.dumps(summary, indent=2, default=str))
    return 0


def _refine(args: argparse.Namespace) -> int:
    if args.truncate is not None and args.truncate > args.steps:
        raise ValueError(
            f"--truncate {args.truncate} exceeds --steps {args.steps}: it bounds how many of "
            "the unrolled steps are backpropagated through"
        )
    from sciml.operators.refiner import RefinerConfig
    from sciml.training.refinement import RefineSpec, refine_run
    from sciml.training.trainer import TrainConfig

    refiner = RefinerConfig(
        kind=args.refiner,
        alpha=args.alpha,
        width=args.width,
        depth=args.depth,
        lipschitz=args.lipschitz,
    )
    if args.refiner == "operator":
        refiner = replace(refiner, n_modes=(args.modes, args.modes))
    spec = RefineSpec(
        base_run=args.run_dir,
        data=args.data,
        steps=args.steps,
        extra_steps=args.extra_steps,
        refiner=refiner,
        truncate=args.truncate,
        batch_size=args.batch_size,
        contraction_weight=args.contraction_weight,
        q_max=args.q_max,
    )
    train = TrainConfig(
        epochs=args.epochs,
        lr=args.lr,
        schedule="cosine",
        min_lr=min(1e-6, args.lr / 10),
        grad_clip=1.0,
        seed=args.seed,
    )
    summary = refine_run(spec, args.out, train, device=args.device, progress=not args.quiet)
    for res, errors in summary.get("eval", {}).items():
        print(f"test at {res}, after {args.steps} steps: rel_l2 {errors['rel_l2']:.4f}")
    print(f"run folder: {args.out} (sciml evaluate {args.out} for every step)")
    return 0


def _evaluate_refined(args: argparse.Namespace) -> int:
    from sciml.training.refinement import evaluate_refined

    for flag, value in (("--resolutions", args.resolutions), ("--method", args.method)):
        if value is not None:
            raise ValueError(
                f"{flag} applies to training runs; {args.run_dir} is a refinement run, "
                "evaluated at its base's finest training resolution: leave it out"
            )
    report = evaluate_refined(
        args.run_dir,
        data=args.data,
        extra_steps=args.extra_steps,
        json_path=args.json,
        device=args.device,
        allow_other_equation=args.allow_other_equation,
    )
    print(report["scored"])
    print(f"{'step':>4} {'rel_l2':>9} {'vrmse':>9} {'low':>7} {'mid':>7} {'high':>7} {'q':>7}")
    q = [*report["q"], float("nan")]
    for k, row in enumerate(report["per_step"]):
        bands = row["band_ratio"]
        print(
            f"{k:>4} {row['rel_l2']:>9.4f} {row['vrmse']:>9.4f} {bands['low']:>7.3f} "
            f"{bands['mid']:>7.3f} {bands['high']:>7.3f} {q[k]:>7.3f}"
        )
    print(f"step 0 is the base operator; trained with K = {report['steps']} steps")
    print(f"update below {report['stop_tol']:g} first at step: {report['stop_step']}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from sciml.training.run import evaluate_run

    if (Path(args.run_dir) / "refine.json").exists():
        return _evaluate_refined(args)
    if args.extra_steps is not None:
        raise ValueError(
            f"--extra-steps applies to refinement runs (sciml refine); {args.run_dir} is not "
            "one: leave it out"
        )

    report = evaluate_run(
        args.run_dir,
        data=args.data,
        resolutions=args.resolutions,
        method=args.method,
        json_path=args.json,
        device=args.device,
        allow_other_equation=args.allow_other_equation,
    )
    print(report["scored"])
    print(f"{'resolution':>10} {'mse':>12} {'rel_l2':>10}")
    for res, errors in report["errors"].items():
        print(f"{res:>10} {errors['mse']:>12.4e} {errors['rel_l2']:>10.4f}")
    print(f"swing (max/min mse): {report['swing']:.3f}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from sciml.demo import run_demo

    report = run_demo(args.out, seed=args.seed, progress=not args.quiet)
    print(f"report: {report}")
    return 0


def _discover(args: argparse.Namespace) -> int:
    import tempfile

    from linalg_discovery.discovery import discover
    from sciml.core.files import write_json

    if args.scheduler is not None and args.backend != "dask":
        raise ValueError(f"--scheduler needs --backend dask (got --backend {args.backend})")
    if args.json:  # refuse an unwritable --json before the search, not after it
        folder = Path(args.json).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tempfile.TemporaryFile(dir=folder).close()
        except OSError as err:
            reason = err.strerror or type(err).__name__
            raise ValueError(
                f"--json {args.json}: cannot write in {str(folder)!r}: {reason}"
            ) from err
    try:
        result = discover(
            args.path,
            args.search,
            args.seed,
            budget=args.budget,
            workers=args.workers,
            batch=args.batch,
            backend=args.backend,
            scheduler=args.scheduler,
            progress=not args.quiet,
            family=args.family,
        )
    except ImportError as err:  # backend dask without the 'distributed' extra
        if args.backend != "dask":
            raise
        raise ValueError(f"--backend dask: {err}") from err
    except KeyboardInterrupt:  # the workers ignore SIGINT; the pool has been shut down
        print(
            "sciml: discover interrupted; nothing was written (a search does not resume: "
            "rerun it)",
            file=sys.stderr,
        )
        return 130
    summary = result.to_dict()
    print(result.source, end="" if result.source.endswith("\n") else "\n")
    print(
        f"found: {summary['found']}  simulations: {summary['simulations']}  "
        f"evaluations: {summary['evaluations']}  nodes: {summary['nodes']}  "
        f"seconds: {summary['seconds']:.1f}"
    )
    if args.json:
        write_json(args.json, summary)
        print(f"wrote {args.json}")
    return 0 if summary["found"] else 1


def _precond_train(args: argparse.Namespace) -> int:
    if args.family is not None:
        return _precond_train_family(args)
    given = [f"--{k}" for k in ("count", "degree", "size") if getattr(args, k) is not None]
    if given:
        raise ValueError(
            f"{', '.join(given)} apply with --family only; without it the shipped models are "
            "retrained at their own degrees"
        )
    from sciml.core.files import LOCK_FILE, output_lock
    from solvers.training import train_shipped_models

    if Path(args.out).is_file():
        raise ValueError(f"--out {args.out!r} is a file; name a folder for the models")
    with output_lock(Path(args.out) / LOCK_FILE, f"model folder {args.out}"):
        summary = train_shipped_models(args.out, seed=args.seed, progress=not args.quiet)
    for m in summary["models"]:
        print(
            f"{m['task']:>8} degree {m['degree']:>3}: validation loss "
            f"{m['valid_loss_classical']:.3f} (classical) → {m['valid_loss_learned']:.3f} "
            f"(learned)  {m['path']}"
        )
    print(f"use them with model_dir={summary['directory']!r} (or --models for eval)")
    return 0


def _precond_train_family(args: argparse.Namespace) -> int:
    from solvers.families import MAX_SIZE, MIN_SIZE

    count, degree, size = (
        default if value is None else value
        for value, default in ((args.count, 48), (args.degree, 10), (args.size, 32))
    )
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(
            f"--size must be in [{MIN_SIZE}, {MAX_SIZE}], got {size}: smaller grids have fewer "
            "unknowns than the probe's 20 Lanczos steps, larger ones more than 5000 rows (the "
            "exact spectra are computed)"
        )
    if count < 2:
        raise ValueError(f"--count must be >= 2 (one member is held out to validate), got {count}")
    name = f"{args.family}-d{degree}.pt"
    out = Path(args.out if args.out != "autospec-models" else name)
    if out.is_dir():
        raise ValueError(
            f"--out {str(out)!r} is a folder; with --family it names the model file to write, "
            f"e.g. {str(out / name)!r}"
        )
    if any(parent.is_file() for parent in out.parents):
        raise ValueError(f"--out {str(out)!r} lies inside a file, not a folder")
    if out.is_file() and any((out.parent / r).is_file() for r in ("run.json", "refine.json")):
        raise ValueError(f"--out {str(out)!r} is a file of the run in {str(out.parent)!r}")
    if out.is_file():  # an earlier model (a zip, as torch saves) is replaced, nothing else
        with open(out, "rb") as f:
            if f.read(4) != b"PK\x03\x04":
                raise ValueError(
                    f"--out {str(out)!r} exists and is not a model file (a dataset?); it would "
                    "be replaced: name another file"
                )
    from solvers.family import family_members, fit_preconditioner

    members = family_members(args.family, count, size=size)
    summary = fit_preconditioner(members, degree, out, seed=args.seed, progress=not args.quiet)
    print(
        f"{args.family} degree {degree}: validation loss {summary['valid_loss_classical']:.3f}"
        f" (Chebyshev) → {summary['valid_loss_learned']:.3f} (fitted)  {summary['path']}"
    )
    print(f"use it with polynomial_preconditioner(A, {degree}, model={str(out)!r})")
    return 0


def _precond_eval(args: argparse.Namespace) -> int:
    from solvers.comparison import compare_matrix, format_comparison

    result = compare_matrix(
        args.matrix,
        degree=args.degree,
        rtol=args.rtol,
        seed=args.seed,
        model_dir=args.models,
        methods=args.methods,
    )
    print(format_comparison(result))
    if args.json:
        from sciml.core.files import write_json

        write_json(args.json, result)
    return 0


def _bench(args: argparse.Namespace) -> int:
    from benchmarks import run_benchmark

    run_benchmark(
        args.name,
        json_path=args.json,
        quick=args.quick,
        progress=not args.quiet,
        standard=args.standard,
        gpu=args.gpu,
    )
    return 0


def _registered(registry: Any, *, many: bool = False, lead: str = "") -> dict[str, Any]:
    """add_argument keywords for a name (or with ``many`` NAME[,NAME...]) in ``registry``:
    the parser, the usage's ``{a,b,...}`` and the help line (after ``lead``) all come from
    the registry."""

    def parse(text: str) -> str | tuple[str, ...]:
        names = tuple(text.split(",")) if many else (text,)
        for name in names:
            if name not in registry:
                raise argparse.ArgumentTypeError(
                    f"unknown {registry.kind} {name!r}; choose from {', '.join(registry)}"
                )
        return names if many else text

    metavar = "{" + ",".join(registry.names()) + "}"
    metavar += "[,...]" if many else ""
    return {"type": parse, "metavar": metavar, "help": lead + registry.help()}


def build_parser() -> argparse.ArgumentParser:
    from linalg_discovery.families import FAMILIES
    from linalg_discovery.searches import SEARCHES
    from sciml.data.pde import PDE_GENERATORS
    from sciml.operators.registry import OPERATOR_MODELS
    from solvers.methods import POLYNOMIAL_METHODS

    parser = _Parser(prog="sciml", description=DESCRIPTION)
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    data = commands.add_parser("data", help="PDE datasets").add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    gen = data.add_parser("generate", help="generate a dataset into an HDF5 file")
    gen.add_argument("pde", **_registered(PDE_GENERATORS))
    gen.add_argument("--n", type=_positive_int, required=True, help="number of samples")
    gen.add_argument("--resolution", type=_positive_int, required=True, help="grid points per axis")
    gen.add_argument(
        "--seed",
        type=_seed,
        default=0,
        help="dataset seed, an integer >= 0: sample i is drawn from (seed, i)",
    )
    gen.add_argument("--out", type=_file_to_write, required=True, help="output .h5 file")
    gen.add_argument(
        "--shard", help="i/k: compute only this shard's batches (default: all, then assemble)"
    )
    gen.add_argument(
        "--device",
        type=_device,
        help="torch device for the torch solvers, e.g. cuda (default: cpu)",
    )
    gen.add_argument(
        "--batch-size",
        type=_positive_int,
        help="samples per batch, a unit of work and of resuming; the data do not depend on it "
        "(default: the PDE's own)",
    )
    gen.add_argument(
        "--param",
        type=_param,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a solver parameter (repeatable), e.g. --param nu=1e-4",
    )
    gen.add_argument(
        "--preset",
        help="conventions of a standard benchmark (darcy: sciml, fno-darcy, pdebench-darcy; "
        "burgers: fno-burgers; navier-stokes: fno-ns-1e-3, fno-ns-1e-4, fno-ns-1e-5); "
        "--param overrides apply on top",
    )
    gen.set_defaults(run=_data_generate)
    info = data.add_parser("info", help="print a dataset's metadata")
    info.add_argument(
        "file", type=_path, help="the dataset file (.h5, or a file open_dataset reads)"
    )
    info.set_defaults(run=_data_info)

    mats = commands.add_parser("matrices", help="the sparse-matrix collection").add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    mats.add_parser("list", help="list the collection").set_defaults(run=_matrices_list)
    minfo = mats.add_parser("info", help="properties of one matrix")
    minfo.add_argument(
        "name", help="a matrix of the collection (sciml matrices list) or a .mtx file"
    )
    minfo.add_argument(
        "--param",
        type=_param,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting of a generated matrix (repeatable)",
    )
    minfo.set_defaults(run=_matrices_info)

    train = commands.add_parser("train", help="train a neural operator on a dataset file")
    train.add_argument(
        "--data",
        type=_file_to_read,
        required=True,
        help="dataset file (.h5, or a file open_dataset reads)",
    )
    train.add_argument("--model", default="fno", **_registered(OPERATOR_MODELS))
    train.add_argument(
        "--model-option",
        type=_param,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting of the chosen model only (repeatable), e.g. --model-option rank=0.2",
    )
    train.add_argument("--resolutions", type=_int_list, required=True, help="e.g. 16,32,64,128")
    train.add_argument(
        "--mix", type=_float_list, help="share of samples per resolution (default uniform)"
    )
    train.add_argument(
        "--curriculum",
        default="mix",
        choices=("mix", "incremental"),
        help="mix: each sample at one resolution, drawn in the --mix ratios; incremental: "
        "every sample at each resolution in turn, coarse to fine, the epochs split evenly",
    )
    train.add_argument(
        "--method",
        default="stride",
        choices=("stride", "spectral"),
        help="how coarser grids are made: by striding, or by truncating the spectrum",
    )
    train.add_argument("--epochs", type=_positive_int, default=150, help="passes over the data")
    train.add_argument("--batch-size", type=_positive_int, default=16, help="samples per batch")
    train.add_argument("--lr", type=_positive_float, default=1e-3, help="AdamW learning rate")
    train.add_argument(
        "--loss",
        default="mse",
        choices=("mse", "rel_l2"),
        help="mse: mean squared error in standardised units; rel_l2: relative L2 error",
    )
    train.add_argument("--width", type=_positive_int, default=32, help="hidden channels")
    train.add_argument("--layers", type=_positive_int, default=4, help="operator layers")
    train.add_argument(
        "--modes", type=_positive_int, help="Fourier modes per axis (default: finest/2)"
    )
    train.add_argument("--seed", type=_seed, default=0, help="seed of weights and batches (>= 0)")
    train.add_argument(
        "--test-fraction",
        type=_open_fraction,
        default=0.1,
        help="test share, the first trajectories (samples) of the file",
    )
    train.add_argument(
        "--val-fraction",
        type=_fraction_below_one,
        default=0.0,
        help="validation share (by trajectory)",
    )
    train.add_argument(
        "--task",
        default="next-step",
        choices=("next-step", "final"),
        help="time series: predict the next frame, or the last frame from the first ones",
    )
    train.add_argument(
        "--input-steps", type=_positive_int, default=1, help="frames stacked as the input"
    )
    train.add_argument(
        "--device", type=_device, default="cpu", help="torch device, e.g. cuda or cuda:1"
    )
    train.add_argument(
        "--out",
        type=_folder_to_write,
        required=True,
        help="run folder (resumed if it holds this run)",
    )
    train.set_defaults(run=_train)

    refine = commands.add_parser(
        "refine", help="train an IRNO refiner on top of a trained run (the base stays frozen)"
    )
    refine.add_argument("run_dir", type=_path, help="the base run")
    refine.add_argument(
        "--data", type=_file_to_read, help="dataset file (default: the base run's)"
    )
    refine.add_argument("--steps", type=_positive_int, default=6, help="K unrolled steps")
    refine.add_argument(
        "--extra-steps",
        type=_nonnegative_int,
        default=6,
        help="E: steps past K that the evaluation runs, to see whether the iterates stay put",
    )
    refine.add_argument(
        "--refiner",
        default="unet",
        choices=("unet", "operator", "contractive"),
        help="the refiner network: a U-Net, a Fourier operator, or a U-Net built to contract",
    )
    refine.add_argument("--alpha", type=float, default=0.2, help="relaxation, in (0, 1)")
    refine.add_argument(
        "--lipschitz", type=float, default=0.5, help="contractive refiner: L of the h-path"
    )
    refine.add_argument("--width", type=_positive_int, default=16, help="U-Net width")
    refine.add_argument("--depth", type=_positive_int, default=4, help="U-Net depth")
    refine.add_argument("--modes", type=_positive_int, default=16, help="operator refiner modes")
    refine.add_argument("--truncate", type=_positive_int, help="backpropagate through m steps")
    refine.add_argument(
        "--contraction-weight",
        type=_nonnegative_float,
        default=0.0,
        help="penalty weight on q > --q-max (0: no penalty)",
    )
    refine.add_argument(
        "--q-max",
        type=_positive_float,
        default=0.9,
        help="contraction factor q above which the penalty applies",
    )
    refine.add_argument("--epochs", type=_positive_int, default=150, help="passes over the data")
    refine.add_argument("--batch-size", type=_positive_int, default=16, help="samples per batch")
    refine.add_argument(
        "--lr", type=_positive_float, default=3e-4, help="AdamW learning rate (cosine decay)"
    )
    refine.add_argument("--seed", type=_seed, default=42, help="seed of weights and batches (>= 0)")
    refine.add_argument(
        "--device", type=_device, default="cpu", help="torch device, e.g. cuda or cuda:1"
    )
    refine.add_argument(
        "--out",
        type=_folder_to_write,
        required=True,
        help="run folder (resumed if it holds this run)",
    )
    refine.set_defaults(run=_refine)

    evaluate = commands.add_parser("evaluate", help="test a trained run at several resolutions")
    evaluate.add_argument(
        "run_dir", type=_path, help="the run folder (of sciml train or sciml refine)"
    )
    evaluate.add_argument(
        "--data",
        type=_file_to_read,
        help="dataset file (default: the run's own); the run's own training and validation "
        "samples in it are recognised by content and left out",
    )
    evaluate.add_argument(
        "--allow-other-equation",
        action="store_true",
        help="score --data of another equation than the run's (channels and dims must match)",
    )
    evaluate.add_argument("--resolutions", type=_int_list, help="default: the run's")
    evaluate.add_argument("--method", choices=("stride", "spectral"), help="default: the run's")
    evaluate.add_argument(
        "--json", type=_json_to_write, help="write the errors here (and a PNG beside it)"
    )
    evaluate.add_argument(
        "--extra-steps", type=_nonnegative_int, help="refined runs: steps past K (default: run's)"
    )
    evaluate.add_argument(
        "--device", type=_device, default="cpu", help="torch device, e.g. cuda or cuda:1"
    )
    evaluate.set_defaults(run=_evaluate)

    demo = commands.add_parser("demo", help="run the demo and write a report")
    demo.add_argument("--out", type=_folder_to_write, default="demo-out", help="report folder")
    demo.add_argument("--seed", type=_seed, default=0, help="seed of every stage (>= 0)")
    demo.set_defaults(run=_demo)

    from linalg_discovery.families import FAMILY_PATHS

    disc = commands.add_parser(
        "discover",
        help="search a curriculum path for a randomized linear-algebra program",
        description="Search every stage of a curriculum path for its target program, print the "
        "last stage's program\nas NumPy source and re-verify it on fresh problems.",
        epilog="exit status:\n"
        "  0    the target program of every stage was found\n"
        "  1    the search ended without finding it\n"
        "  2    the arguments were refused (one line on stderr)\n"
        "  130  interrupted (Ctrl-C): nothing is written, and a rerun starts over\n",
    )
    paths = "; ".join(f"{family}: {', '.join(names)}" for family, names in FAMILY_PATHS.items())
    disc.add_argument("--path", required=True, help=f"a path of --family ({paths})")
    disc.add_argument("--family", default="least-squares", **_registered(FAMILIES))
    disc.add_argument("--search", default="mcgs", **_registered(SEARCHES))
    disc.add_argument(
        "--seed", type=_nonnegative_int, default=42, help="problem and search seed (>= 0)"
    )
    disc.add_argument(
        "--budget",
        type=_positive_int,
        help="simulations per inserted instruction, or random programs per stage "
        "(default: the search's own, 20000 for mcgs/mcts, 3000 for random)",
    )
    disc.add_argument(
        "--workers", type=_positive_int, default=1, help="workers scoring each batch's programs"
    )
    disc.add_argument(
        "--batch",
        type=_positive_int,
        default=1,
        help="leaves per round; the result depends on it, not on --workers",
    )
    disc.add_argument(
        "--backend",
        choices=("process", "dask"),
        default="process",
        help="process pool, or a Dask cluster (extra 'distributed')",
    )
    disc.add_argument(
        "--scheduler", help="join the Dask cluster at tcp://HOST:PORT (with --backend dask)"
    )
    disc.add_argument(
        "--json", type=_json_to_write, help="write found/simulations/seconds/nodes/program here"
    )
    disc.set_defaults(run=_discover)

    precond = commands.add_parser(
        "precond", help="learned polynomial preconditioners (AutoSpec)"
    ).add_subparsers(dest="action", required=True, parser_class=_Parser)
    ptrain = precond.add_parser("train", help="retrain the shipped models into a folder")
    ptrain.add_argument(
        "--out",
        type=_path,
        default="autospec-models",
        help="folder for the .pt files (with --family: the model file, default FAMILY-dD.pt)",
    )
    ptrain.add_argument("--seed", type=_seed, default=0, help="seed of the training problems")
    from solvers.families import FAMILIES as PRECOND_FAMILIES  # names only: nothing heavy

    lead = "fit one model to a family: "
    ptrain.add_argument("--family", **_registered(PRECOND_FAMILIES, lead=lead))
    family_only = "with --family: "
    ptrain.add_argument(
        "--count", type=_positive_int, help=family_only + "members, >= 2 (default: 48)"
    )
    ptrain.add_argument(
        "--degree", type=_positive_int, help=family_only + "polynomial degree (default: 10)"
    )
    ptrain.add_argument(
        "--size", type=_positive_int, help=family_only + "member grid, 5 to 70 (default: 32)"
    )
    ptrain.set_defaults(run=_precond_train)
    peval = precond.add_parser("eval", help="compare every method on one matrix")
    peval.add_argument("--matrix", required=True, help="e.g. HB/bcsstk15 or poisson2d-64")
    peval.add_argument(
        "--degree", type=_positive_int, default=10, help="degree of the polynomial methods"
    )
    peval.add_argument(
        "--rtol", type=_open_fraction, default=1e-8, help="relative residual to reach"
    )
    peval.add_argument(
        "--seed", type=_nonnegative_int, default=0, help="seed of the right-hand side"
    )
    peval.add_argument(
        "--models", type=_path, help="folder of retrained models (default: shipped)"
    )
    lead = "compare only these (default: all, with none, pyamg-sa, ilu): "
    peval.add_argument("--methods", **_registered(POLYNOMIAL_METHODS, many=True, lead=lead))
    peval.add_argument("--json", type=_json_to_write, help="write the comparison here")
    peval.set_defaults(run=_precond_eval)

    from benchmarks import benchmark_names

    bench = commands.add_parser("bench", help="run a benchmark script from benchmarks/")
    bench.add_argument("name", help=f"one of: {', '.join(benchmark_names())}")
    bench.add_argument("--json", type=_json_to_write, help="write the figures to this JSON file")
    bench.add_argument("--quick", action="store_true", help="the small, CPU-sized variant")
    bench.add_argument(
        "--standard", action="store_true", help="the CPU mode that carries the claims"
    )
    bench.add_argument(
        "--gpu",
        action="store_true",
        help="irno: the GPU-sized mode; autospec: adds the distributed section on the GPUs",
    )
    bench.set_defaults(run=_bench)
    _share_global_flags(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = args.run(args)
        sys.stdout.flush()  # a block-buffered stdout meets a closed pipe here, not in print()
        return code
    except USER_ERRORS as err:
        print(f"sciml: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("sciml: interrupted; finished work is kept and a rerun resumes", file=sys.stderr)
        return 130
    except (MemoryError, RuntimeError) as err:  # e.g. a --resolution or --width too large
        if isinstance(err, RuntimeError) and not _OUT_OF_MEMORY.search(str(err)):
            raise
        what = (str(err) or "an allocation failed").splitlines()[0]
        print(f"sciml: error: out of memory: {what}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader left (`sciml ... | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as err:  # a path the system refuses: permissions, read-only, disk full
        print(f"sciml: error: {_os_error(err)}", file=sys.stderr)
        return 2


def _os_error(err: OSError) -> str:
    """One line for an operating-system error: what went wrong, and the path(s) it met."""
    what = (err.strerror or str(err) or type(err).__name__).splitlines()[0]
    paths = [str(p) for p in (err.filename, err.filename2) if p is not None]
    return f"{what}: {' -> '.join(paths)}" if paths else what


if __name__ == "__main__":
    sys.exit(main())
