"""``sciml`` command line: parses arguments and calls library functions (imported lazily)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

USER_ERRORS = (ValueError, TypeError, FileNotFoundError, FileExistsError, FloatingPointError)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit code 2
        self.exit(2, f"{self.prog}: error: {message}\n")


def _param(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"--param needs KEY=VALUE, got {text!r}")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _data_generate(args: argparse.Namespace) -> int:
    from sciml.data.pde.store import generate_dataset, parse_shard

    result = generate_dataset(
        args.pde,
        args.out,
        n=args.n,
        resolution=args.resolution,
        seed=args.seed,
        params=dict(args.param),
        shard=parse_shard(args.shard) if args.shard else None,
        batch_size=args.batch_size,
        progress=not args.quiet,
        device=args.device,
    )
    if result.complete:
        print(f"wrote {result.path} ({result.batches_computed} batches computed now)")
    else:
        print(
            f"{result.batches_done}/{result.batches_total} batches done; run again without "
            f"--shard once every shard has finished to assemble {result.path}"
        )
    return 0


def _data_info(args: argparse.Namespace) -> int:
    from sciml.data.pde.store import dataset_info

    print(json.dumps(dataset_info(args.file), indent=2, default=str))
    return 0


def _matrices_list(args: argparse.Namespace) -> int:
    from sciml.data.matrices import list_matrices

    rows = list_matrices()
    print(f"{'name':<28} {'n':>8} {'nnz':>10}  sym  spd  {'source':<11} kind")
    for m in rows:
        print(
            f"{m.name:<28} {m.n:>8} {m.nnz:>10}  {'yes' if m.symmetric else 'no':<4} "
            f"{'yes' if m.spd else 'no':<4} {m.source:<11} {m.kind}"
        )
    return 0


def _matrices_info(args: argparse.Namespace) -> int:
    from sciml.data.matrices import matrix_info

    print(json.dumps(matrix_info(args.name, **dict(args.param)), indent=2, default=str))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from sciml.demo import run_demo

    report = run_demo(args.out, seed=args.seed, progress=not args.quiet)
    print(f"report: {report}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from benchmarks import run_benchmark

    run_benchmark(args.name, json_path=args.json, quick=args.quick, progress=not args.quiet)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sciml", description=__doc__)
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    data = commands.add_parser("data", help="PDE datasets").add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    gen = data.add_parser("generate", help="generate a dataset into an HDF5 file")
    gen.add_argument("pde", help="darcy, burgers, navier-stokes or kolmogorov")
    gen.add_argument("--n", type=_positive_int, required=True, help="number of samples")
    gen.add_argument("--resolution", type=_positive_int, required=True, help="grid points per axis")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--out", required=True, help="output .h5 file")
    gen.add_argument("--shard", help="i/k: compute only this shard's batches")
    gen.add_argument("--device", help="torch device for the torch solvers, e.g. cuda")
    gen.add_argument("--batch-size", type=_positive_int, help="samples per batch")
    gen.add_argument(
        "--param",
        type=_param,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a solver parameter (repeatable), e.g. --param nu=1e-4",
    )
    gen.set_defaults(run=_data_generate)
    info = data.add_parser("info", help="print a dataset's metadata")
    info.add_argument("file")
    info.set_defaults(run=_data_info)

    mats = commands.add_parser("matrices", help="the sparse-matrix collection").add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    mats.add_parser("list", help="list the collection").set_defaults(run=_matrices_list)
    minfo = mats.add_parser("info", help="properties of one matrix")
    minfo.add_argument("name")
    minfo.add_argument("--param", type=_param, action="append", default=[], metavar="KEY=VALUE")
    minfo.set_defaults(run=_matrices_info)

    demo = commands.add_parser("demo", help="run the demo and write a report")
    demo.add_argument("--out", default="demo-out", help="report folder (default: demo-out)")
    demo.add_argument("--seed", type=int, default=0)
    demo.set_defaults(run=_demo)

    bench = commands.add_parser("bench", help="run a benchmark script from benchmarks/")
    bench.add_argument("name", help="e.g. data")
    bench.add_argument("--json", help="write the figures to this JSON file")
    bench.add_argument("--quick", action="store_true", help="the small, CPU-sized variant")
    bench.set_defaults(run=_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except USER_ERRORS as err:
        print(f"sciml: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("sciml: interrupted; finished work is kept and a rerun resumes", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
