"""The lessons: each notebook matches its source, is committed with outputs, and runs from a clean kernel."""

import importlib.util
import pathlib

import nbformat
import pytest

NOTEBOOKS = pathlib.Path(__file__).parent.parent / "notebooks"
spec = importlib.util.spec_from_file_location("build", NOTEBOOKS / "build.py")
build = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build)

LESSONS = sorted(p.stem for p in (NOTEBOOKS / "src").glob("*.py"))


def test_the_six_lessons_are_there():
    assert LESSONS == [
        "01_value_and_the_chain_rule",
        "02_deriving_backprop_two_layers",
        "03_the_error_signal",
        "04_the_four_equations",
        "05_training_networks",
        "06_practice",
    ]


@pytest.mark.parametrize("name", LESSONS)
def test_notebook_matches_its_source_and_is_committed_with_outputs(name):
    committed = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    fresh = build.notebook_from_source(NOTEBOOKS / "src" / f"{name}.py")
    assert [(c.cell_type, c.source) for c in committed.cells] == [
        (c.cell_type, c.source) for c in fresh.cells
    ], f"{name}.ipynb differs from src/{name}.py: run python notebooks/build.py {name}"
    code = [c for c in committed.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    assert sum(len(c.outputs) for c in code) >= len(code) // 2
    assert not any(o.output_type == "error" for c in code for o in c.outputs)
    assert "sys.path" not in "".join(c.source for c in code)


@pytest.mark.parametrize("name", LESSONS)
def test_notebook_runs_from_a_clean_kernel(name):
    path = NOTEBOOKS / f"{name}.ipynb"
    before = path.read_bytes()
    nb = nbformat.read(path, as_version=4)
    build.execute(nb, timeout=300)  # raises CellExecutionError on the first failing cell
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert outputs and not any(o.output_type == "error" for o in outputs)
    assert path.read_bytes() == before  # running the test does not rewrite the notebook
