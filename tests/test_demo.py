"""The demo's folder: its four files appear together, and an interrupted demo leaves what was there."""

import contextlib
import io

import pytest

import nn.demo
from nn.demo import run_demo


def test_a_demo_stopped_while_it_writes_leaves_the_folder_as_it_was(tmp_path, monkeypatch):
    out = tmp_path / "demo"
    out.mkdir()
    (out / "backprop.html").write_text("the page of an earlier run")

    def interrupted(*args, **kwargs):  # Ctrl-C after network.svg was written
        raise KeyboardInterrupt

    monkeypatch.setattr(nn.demo, "draw_dot", interrupted)
    with contextlib.redirect_stdout(io.StringIO()), pytest.raises(KeyboardInterrupt):
        run_demo(out, progress=False, epochs=10)
    assert [p.name for p in out.iterdir()] == ["backprop.html"]  # no network.svg, no draft folder
    assert (out / "backprop.html").read_text() == "the page of an earlier run"


def test_the_demo_takes_its_folder_as_a_string_too(tmp_path):
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        # 0: the derivation, backward() and the differences agree
        assert run_demo(str(tmp_path / "demo"), progress=False, epochs=10) == 0
    assert sorted(p.name for p in (tmp_path / "demo").iterdir()) == [
        "backprop.html",
        "graph.svg",
        "network.svg",
        "neurons.html",
    ]
    assert f"{tmp_path / 'demo' / 'neurons.html'}" in printed.getvalue()
