import os
import shutil
import sys

import pytest
from hypothesis import settings

from tinygrad_like import Value

# Under CI the property tests draw the same examples every run, so the gate cannot flake;
# on a developer's machine they explore new examples each time.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


def require_program(program: str, debian_package: str) -> str:
    """The path of a system program a test needs. Missing: under CI (which installs it) the test
    fails; on a developer's machine it is skipped, saying what to install."""
    path = shutil.which(program)
    if path:
        return path
    message = f"needs the system program {program!r}: apt-get install {debian_package}"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (.ci/run installs it; under CI it must be there)")
    pytest.skip(message)


def tanh_neuron():
    """The documents' smallest neuron, y = tanh(n), n = x·w + b at x = 2, w = −3, b = 1 (no backward yet).

    Returns (y, x, w, b, n), every one labelled.
    """
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(1.0, label="b")
    n = x * w + b
    n.label = "n"
    y = n.tanh()
    y.label = "y"
    return y, x, w, b, n


@pytest.fixture
def torch():
    """PyTorch, the oracle. A test that takes this fixture is marked ``torch``: on a Python where
    torch cannot install, ``.ci/run`` deselects those with ``-m "not torch"``; elsewhere it must import."""
    import torch

    return torch


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "torch" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.torch)


def command() -> str:
    """The ``tinygrad-like`` script installed for the interpreter running the tests (not whatever
    PATH finds first), so the CLI tests test this install without an activated venv."""
    import sysconfig
    from pathlib import Path

    name = "tinygrad-like.exe" if os.name == "nt" else "tinygrad-like"
    script = Path(sysconfig.get_path("scripts")) / name
    assert script.exists(), f"{script} is missing: pip install -e . for {sys.executable}"
    return str(script)
