"""The engine stands on its own: tinygrad_like never reaches the nn package built on top of it."""

import re
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


def test_no_file_of_the_engine_imports_nn_but_the_commands_demo():
    """Not even inside a function or a doctest: only cli.py (and __main__.py) may, in the demo's function."""
    allowed = {"cli.py", "__main__.py"}
    for path in sorted(ENGINE.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        found = re.findall(r"^.*\b(?:import nn\b|from nn\b).*$", text, flags=re.MULTILINE)
        if path.name not in allowed:
            assert not found, f"{path.name} reaches nn: {found}"
        else:
            assert all("run_demo" in line for line in found), found


def test_the_examples_moved_out_of_the_engines_docstrings_still_hold():
    """draw_network, derive and delta_table on nn's networks (their docstrings may not import nn)."""
    from nn import data, examples, sum_squared_error
    from tinygrad_like import derive, draw_network

    src = draw_network(examples.three_layer(seed=0)).source
    assert "w_x1,1" in src and "g(r_3)" in src and src.count("->") == 10  # 2·2 + 2·2 + 2 weights
    net = examples.two_layer(seed=0)
    X, T = data.xor()
    E = sum_squared_error([net(x) for x in X], T)
    d = derive(E, net.parameter("ŵ_1"))
    assert d.expression == "Σᵢ δ⁽ⁱ⁾·g′(r̂⁽ⁱ⁾)·g(r_1⁽ⁱ⁾)"
    E.backward()
    assert abs(d.value - net.parameter("ŵ_1").grad) < 1e-12

    from tinygrad_like.deltas import delta_table

    net = examples.three_layer(seed=0)
    table = delta_table(sum_squared_error([net([1.0, 0.0])], [1.0]))
    assert [row.blog for row in table.rows] == ["δ", "δ_3", "δ_4", "δ_1", "δ_2"]  # at the output δ = y − t
    assert all(abs(r.nielsen_value - r.blog_value * r.slope) < 1e-15 for r in table.rows)
