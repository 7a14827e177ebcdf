"""The documents' exercises (nn.examples) and practising part of a pass (practice(only=...)).

Every expected number is computed here by hand from the documents' formulas, with plain floats
(the blog's δ_j recursion; Nielsen's BP1–BP4 with numpy), from the exercise's weights and sample;
the engine's gradients and the practice session must agree with them.
"""

import math

import numpy as np
import pytest

from nn import examples
from tinygrad_like import Value, practice
from tinygrad_like.practice import Practice, scripted


def g(r):
    return 1 / (1 + math.exp(-r))


def g_prime(r):
    return g(r) * (1 - g(r))


def verdicts(told):
    return [line.split(":")[0] for text in told for line in text.splitlines() if line[:1] in "✓✗"]


def blog_three_layer_by_hand(P, x, t):
    """The blog's 'Why backpropagation?' network and its error signals, written out."""
    r1 = P["w_x1,1"] * x[0] + P["w_x2,1"] * x[1] + P["b_1"]
    r2 = P["w_x1,2"] * x[0] + P["w_x2,2"] * x[1] + P["b_2"]
    r3 = P["w_1,3"] * g(r1) + P["w_2,3"] * g(r2) + P["b_3"]
    r4 = P["w_1,4"] * g(r1) + P["w_2,4"] * g(r2) + P["b_4"]
    r5 = P["w_3,5"] * g(r3) + P["w_4,5"] * g(r4) + P["b_5"]
    delta = g(r5) - t
    delta3 = delta * g_prime(r5) * P["w_3,5"]
    delta4 = delta * g_prime(r5) * P["w_4,5"]
    delta1 = delta3 * g_prime(r3) * P["w_1,3"] + delta4 * g_prime(r4) * P["w_1,4"]
    return {
        "δ": delta,
        "δ_3": delta3,
        "δ_4": delta4,
        "δ_1": delta1,
        "∇E(w_x1,1)": delta1 * g_prime(r1) * x[0],
        "r_5.grad": delta * g_prime(r5),
        "r_4.grad": delta4 * g_prime(r4),
        "r_3.grad": delta3 * g_prime(r3),
    }


def test_the_three_layer_exercise_is_the_blogs_network_and_its_tasks_are_the_blogs_deltas():
    ex = examples.three_layer_exercise()
    P = {p.label: p.data for p in ex.model.parameters()}
    hand = blog_three_layer_by_hand(P, ex.x, ex.t[0])
    ex.loss.backward()
    for task, node in ex.tasks.items():
        assert math.isclose(node.grad, hand[task], rel_tol=1e-12), task
    assert ex.sample == "x = (1, 0.5), t = 1"
    assert math.isclose(ex.forward()["E"], 0.5 * hand["δ"] ** 2, rel_tol=1e-12)


def test_the_two_layer_exercise_gives_the_blogs_update_formulas():
    ex = examples.two_layer_exercise()
    P = {p.label: p.data for p in ex.model.parameters()}
    (x1, x2), t = ex.x, ex.t[0]
    r1 = P["w_1,1"] * x1 + P["w_2,1"] * x2 + P["b_1"]
    r2 = P["w_1,2"] * x1 + P["w_2,2"] * x2 + P["b_2"]
    r_hat = P["ŵ_1"] * g(r1) + P["ŵ_2"] * g(r2) + P["b̂"]
    delta = g(r_hat) - t
    hand = {
        "δ": delta,
        "∇E(ŵ_1)": delta * g_prime(r_hat) * g(r1),
        "∇E(b̂)": delta * g_prime(r_hat),
        "∇E(w_1,1)": delta * g_prime(r_hat) * P["ŵ_1"] * g_prime(r1) * x1,
        "∇E(b_1)": delta * g_prime(r_hat) * P["ŵ_1"] * g_prime(r1),
    }
    ex.loss.backward()
    assert {task: node.grad for task, node in ex.tasks.items()} == pytest.approx(hand, rel=1e-12)


def test_the_nielsen_exercise_follows_bp1_to_bp4():
    ex = examples.nielsen_exercise()
    hidden, output = ex.model.layers
    W2 = np.array([[w.data for w in n.w] for n in hidden.neurons])
    b2 = np.array([n.b.data for n in hidden.neurons])
    W3 = np.array([[w.data for w in n.w] for n in output.neurons])
    b3 = np.array([n.b.data for n in output.neurons])
    sigma = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    z2 = W2 @ np.array(ex.x) + b2
    a2 = sigma(z2)
    z3 = W3 @ a2 + b3
    a3 = sigma(z3)
    delta3 = (a3 - np.array(ex.t)) * sigma(z3) * (1 - sigma(z3))  # BP1
    delta2 = (W3.T @ delta3) * sigma(z2) * (1 - sigma(z2))  # BP2
    hand = {
        "δ^3_1": delta3[0],
        "∂C/∂a^2_1": (W3.T @ delta3)[0],
        "δ^2_1": delta2[0],
        "∂C/∂b^3_1": delta3[0],  # BP3
        "∂C/∂w^3_1,2": a2[1] * delta3[0],  # BP4: a^{l-1}_k δ^l_j
    }
    ex.loss.backward()
    assert {task: node.grad for task, node in ex.tasks.items()} == pytest.approx(hand, rel=1e-12)
    assert ex.sample == "x = (1, 0.5), y = (1, 0)"


def test_exercises_are_fixed_and_fresh_each_call():
    first, second = examples.exercises(), examples.exercises()
    assert list(first) == ["two_layer", "three_layer", "nielsen"]
    for name in first:
        a, b = first[name], second[name]
        assert [p.data for p in a.model.parameters()] == [p.data for p in b.model.parameters()]
        assert a.loss is not b.loss and a.loss.data == b.loss.data
    first["three_layer"].loss.backward()  # one learner's backward() does not touch the next exercise
    assert all(p.grad == 0.0 for p in second["three_layer"].model.parameters())


def test_practising_delta_3_asks_only_its_step_and_gives_the_upstream():
    ex = examples.three_layer_exercise()
    P = {p.label: p.data for p in ex.model.parameters()}
    hand = blog_three_layer_by_hand(P, ex.x, ex.t[0])
    told = []
    summary = ex.practice("δ_3", ask=scripted(["w_3_5", f"{hand['δ_3']:.6g}"]), tell=told.append)
    assert verdicts(told) == ["✓ right", "✓ right"]
    assert (summary.steps, summary.questions, summary.right_first_time) == (1, 2, 2)
    header = next(t for t in told if t.startswith("step 1 of 1"))
    assert header.endswith("passes its gradient to g(r_3)")
    assert f"r_5.grad = {hand['r_5.grad']:.8g}" in header  # δ·g′(r_5): done for the learner, so said
    assert "36 steps, 1 to do (the other steps are done for you)" in told[1]


def test_a_task_is_said_in_the_documents_terms_at_the_start_and_named_when_its_step_completes_it():
    ex = examples.three_layer_exercise()
    P = {p.label: p.data for p in ex.model.parameters()}
    hand = blog_three_layer_by_hand(P, ex.x, ex.t[0])
    told = []
    ex.practice("δ_3", ask=scripted(["w_3_5", "1", f"{hand['δ_3']:.8g}"]), tell=told.append)
    lines = [line for text in told for line in text.splitlines()]
    assert lines[0] == (
        "Task (the blog post, 'Why backpropagation?', sample x = (1, 0.5), t = 1): "
        "compute δ_3 = ∂E/∂g(r_3) = δ·g′(r_5)·w_3,5, the gradient g(r_3).grad."
    )
    header = next(line for line in lines if line.startswith("step 1 of 1"))
    assert f"r_5.grad = {hand['r_5.grad']:.8g}, which is δ·g′(r_5))" in header
    right = lines.index(f"✓ right: the contribution to g(r_3).grad = {hand['δ_3']:.8g}")
    assert lines[right + 1] == f"that is δ_3 = δ·g′(r_5)·w_3,5 = {hand['δ_3']:.8g}"
    assert sum(line.startswith("that is") for line in lines) == 1  # not after the local derivative


@pytest.mark.parametrize(
    "task, said",
    [
        ("δ", "that is δ = y − t = {}"),
        ("δ_4", "that is δ_4 = δ·g′(r_5)·w_4,5 = {}"),
        ("δ_1", "that is δ_1 = δ_3·g′(r_3)·w_1,3 + δ_4·g′(r_4)·w_1,4 = {}"),
        ("∇E(w_x1,1)", "that is ∇E(w_x1,1) = δ_1·g′(r_1)·x_1 = {}"),
    ],
)
def test_every_blog_task_ends_naming_its_number_even_when_the_steps_are_skipped(task, said):
    ex = examples.three_layer_exercise()
    P = {p.label: p.data for p in ex.model.parameters()}
    hand = blog_three_layer_by_hand(P, ex.x, ex.t[0])
    told = []
    ex.practice(task, ask=scripted(["skip"] * 10), tell=told.append)
    assert told[0].startswith(
        f"Task (the blog post, 'Why backpropagation?', sample x = (1, 0.5), t = 1): compute {task} = "
    )
    lines = [line for text in told for line in text.splitlines()]
    assert said.format(f"{hand[task]:.8g}") in lines
    assert lines[lines.index(said.format(f"{hand[task]:.8g}")) - 1].startswith("skipped: ")  # the last step's


def test_nielsens_delta_is_named_by_bp1_with_its_number_from_numpy():
    ex = examples.nielsen_exercise()
    W2 = np.array([[p.data for p in n.w] for n in ex.model.layers[0].neurons])
    b2 = np.array([n.b.data for n in ex.model.layers[0].neurons])
    W3 = np.array([[p.data for p in n.w] for n in ex.model.layers[1].neurons])
    b3 = np.array([n.b.data for n in ex.model.layers[1].neurons])
    a2 = 1 / (1 + np.exp(-(W2 @ np.array(ex.x) + b2)))
    z3 = W3 @ a2 + b3
    a3 = 1 / (1 + np.exp(-z3))
    delta3 = (a3 - np.array(ex.t)) * a3 * (1 - a3)  # BP1
    told = []
    ex.practice("δ^3_1", ask=scripted(["skip", "skip"]), tell=told.append)
    assert "compute δ³₁ = ∂C/∂z³₁ = (a³₁ − y₁)·σ′(z³₁) (BP1), the gradient z3_1.grad." in told[0]
    assert f"a³₁.grad = {a3[0] - ex.t[0]:.8g}, which is a³₁ − y₁)" in told[2]
    lines = [line for text in told for line in text.splitlines()]
    assert f"that is δ³₁ = (a³₁ − y₁)·σ′(z³₁) = {delta3[0]:.8g}" in lines


def test_practising_a_task_in_a_terminal_names_delta_3_at_the_start_and_the_end():
    import subprocess
    import sys

    ex = examples.three_layer_exercise()
    P = {p.label: p.data for p in ex.model.parameters()}
    delta3 = blog_three_layer_by_hand(P, ex.x, ex.t[0])["δ_3"]
    code = "from nn import examples; examples.three_layer_exercise().practice('δ_3')"
    typed = f"w_3_5\n1\n{delta3:.8g}\n"  # as the newcomer did: one wrong product on the way
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=typed,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    ).stdout
    assert (
        out.startswith("Task (the blog post, 'Why backpropagation?'")
        and "compute δ_3 = " in out.splitlines()[0]
    )
    assert f"that is δ_3 = δ·g′(r_5)·w_3,5 = {delta3:.8g}\nsummary: 0 of 1 step right the first time" in out


def test_practising_delta_1_asks_the_accumulation_and_names_a_forgotten_one():
    ex = examples.three_layer_exercise()
    P = {p.label: p.data for p in ex.model.parameters()}
    hand = blog_three_layer_by_hand(P, ex.x, ex.t[0])
    via_4 = P["w_1,4"] * hand["r_4.grad"]  # explain takes r_4 → g(r_1) first, then r_3 → g(r_1)
    via_3 = P["w_1,3"] * hand["r_3.grad"]
    answers = ["w_1_4", f"{via_4:.8g}", "w_1_3", f"{via_3:.8g}", f"{via_3:.8g}", f"{hand['δ_1']:.8g}"]
    told = []
    summary = ex.practice("δ_1", ask=scripted(answers), tell=told.append)
    assert verdicts(told) == ["✓ right"] * 4 + ["✗ wrong", "✓ right"]
    assert "(forgotten accumulation at a reused node)" in told[-3]
    assert "g(r_1) is reached by 2 edges" in Practice(ex.loss, only=["g(r_1)"]).questions[-1].prompt
    assert summary.mistakes == {"forgotten accumulation at a reused node": 1}


def test_only_takes_nodes_or_names_and_refuses_what_is_not_a_step_target():
    x = Value(3.0, label="x")
    y = 2 * x + x * x
    y.label = "y"
    assert [q.step.child_name for q in Practice(y, only=[x]).questions if q.kind == "local"] == ["x"] * 3
    assert len(Practice(y, only="x").questions) == len(Practice(y, only=[x]).questions)
    with pytest.raises(ValueError, match=r"'z' is not a node of this graph; nodes: .*x"):
        Practice(y, only=["z"])
    with pytest.raises(ValueError, match=r"'y' is the root: no step passes it a gradient"):
        Practice(y, only=["y"])
    two = next(c for c in y.children[0].children if not c.label)
    with pytest.raises(ValueError, match="is a constant"):
        practice(y, only=[two], ask=scripted([]), tell=lambda text: None)


def test_the_exercise_page_says_the_sample(tmp_path):
    ex = examples.nielsen_exercise()
    page = ex.to_html(tmp_path / "nielsen.html").read_text(encoding="utf-8")
    assert "x = (1, 0.5), y = (1, 0)" in page and 'id="score"' in page
    neurons = ex.to_html(tmp_path / "neurons.html", level="neuron").read_text(encoding="utf-8")
    assert "x = (1, 0.5), y = (1, 0)" in neurons and "Practice: " in neurons


def test_a_node_shown_in_nielsens_typesetting_is_typed_by_its_label_or_as_shown():
    ex = examples.nielsen_exercise()
    sigma_prime = ex.forward()["a3_1"] * (1 - ex.forward()["a3_1"])  # σ′(z^3_1) from a^3_1
    session = Practice(ex.loss, only=["z3_1"])
    prompt = session.questions[0].long_prompt  # as the first question shows it
    assert "type z³₁ as z3_1" in prompt  # the label is what a keyboard types; as shown is read too
    for typed in ["σ(z3_1)·(1 − σ(z3_1))", "a3_1*(1 - a3_1)", "σ(z³₁)·(1 − σ(z³₁))", "a³₁·(1 − a³₁)"]:
        value, _ = session.read(typed)
        assert math.isclose(value, sigma_prime, rel_tol=1e-12), typed
    told = []
    ex.practice("δ^3_1", ask=scripted(["z31 + zz", "q"]), tell=told.append)
    refusal = next(t for t in told if t.startswith("refused"))
    assert "'zz' is not a name in this graph; names you can use: w3_1_1, w2_1_1, x1" in refusal
    assert "z31," not in refusal  # the other spellings are read but not listed
