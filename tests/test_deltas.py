"""What a reader sees of delta_table in the demo's console: one heading, one notation, nothing unexplained."""

import re
import subprocess
import sys

from nn import data, examples
from nn.losses import sum_squared_error
from tinygrad_like import delta_table


def xor_table_text():
    net = examples.three_layer(seed=0)
    X, T = data.xor()
    return str(delta_table(sum_squared_error([net(x) for x in X], T)))


def test_the_table_has_one_heading_then_its_header_row_in_the_cells_notation():
    title, header, rule, first, *_ = xor_table_text().splitlines()
    assert title == "Every δ of every neuron, sample by sample (4 samples), output layer first:"
    assert header.split()[0] == "neuron" and set(rule) == {"-", " "}
    # Nielsen's column: δ⁴₁⁽¹⁾ in the cells, so δˡⱼ (l up, j down) in the header, not δ^l_j
    assert "Nielsen δˡⱼ = ∂E/∂zˡⱼ" in header and "δ⁴₁⁽¹⁾ = " in first
    assert "blog δ_j = ∂E/∂g(r_j)" in header


def test_no_symbol_in_the_table_is_left_unexplained():
    text = xor_table_text()
    assert "≙" not in text and "^" not in text
    neurons = [line.split("  ")[0] for line in text.splitlines()[3:23]]
    assert neurons[:5] == [
        "f_5 is neuron 1 of layer 4",
        "f_3 is neuron 1 of layer 3",
        "f_4 is neuron 2 of layer 3",
        "f_1 is neuron 1 of layer 2",
        "f_2 is neuron 2 of layer 2",
    ]


def test_the_demo_prints_the_table_under_its_own_single_heading(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "tinygrad_like", "demo", "--out", str(tmp_path), "--no-progress"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    at = lines.index("Every δ of every neuron, sample by sample (4 samples), output layer first:")
    assert lines[at - 1] == ""  # a blank line above, no second title
    assert lines[at + 1].startswith("neuron ") and "δˡⱼ" in lines[at + 1]
    assert sum(bool(re.search(r"δs? of every neuron", line, re.I)) for line in lines) == 1
    assert "≙" not in result.stdout
