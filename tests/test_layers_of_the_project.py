"""The engine stands on its own: tinygrad_like never reaches the nn package built on top of it."""

import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parent.parent / "tinygrad_like"


def modules_after_importing(*modules: str) -> set[str]:
    """The names in sys.modules after a fresh interpreter imports ``modules``."""
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules) + "print(' '.join(sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(result.stdout.split())


def test_importing_the_engine_and_its_command_does_not_import_nn():
    loaded = modules_after_importing("tinygrad_like", "tinygrad_like.cli")
    assert "tinygrad_like.cli" in loaded
    assert not {m for m in loaded if m == "nn" or m.startswith("nn.")}


def test_the_demo_lives_in_nn_and_the_command_still_finds_it():
    from nn.demo import run_demo
    from tinygrad_like.cli import make_parser

    args = make_parser().parse_args(["demo", "--out", "somewhere", "--no-progress"])
    assert args.run.__name__ == "cmd_demo" and callable(run_demo)
    assert not (ENGINE / "demo.py").exists()
