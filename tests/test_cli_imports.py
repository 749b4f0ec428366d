"""Building the CLI's parser (``sciml --help``) lists every registry without importing the
heavy libraries behind the entries."""

import json
import subprocess
import sys

HEAVY = ("gymnasium", "torch", "neuralop", "scipy", "h5py", "pyamg", "torchdiffeq")


def test_building_the_parser_imports_no_heavy_library():
    code = (
        "import json, sys\n"
        "from sciml.cli import build_parser\n"
        "help_text = build_parser().format_help()\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(out.stdout) == []


def test_reading_env_id_registers_the_environment():
    code = (
        "import sys, linalg_discovery\n"
        "assert 'gymnasium' not in sys.modules\n"
        "import gymnasium\n"
        "env = gymnasium.make(linalg_discovery.ENV_ID, stage='psd-residual')\n"
        "print(type(env.unwrapped).__name__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "RLAEnv"
