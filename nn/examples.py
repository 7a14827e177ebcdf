r"""The blog's networks, ready made, with its labels and sigmoid g.

The two-layer network (n_inputs → n_hidden → 1): hidden weights ``w_A,B``
(input A to hidden neuron B), inputs to g ``r_B``, hidden outputs ``g(r_B)``;
the output neuron's weights ``ŵ_B``, bias ``b̂``, input ``r̂`` and output ``y``.

The three-layer network x₁, x₂ → f₁, f₂ → f₃, f₄ → f₅: weights ``w_x1,1 … w_4,5``,
biases ``b_1 … b_5``, inputs to g ``r_1 … r_5``, outputs ``g(r_1) …`` and ``y``.

>>> net = three_layer(seed=0)
>>> sorted(p.label for p in net.parameters())[:4]
['b_1', 'b_2', 'b_3', 'b_4']

Ready exercises for ``tinygrad_like.practice``, one per network the documents work
through, each with fixed weights (a fixed seed) and one teacher sample:
``two_layer_exercise()`` (the blog's first network), ``three_layer_exercise()`` (the
blog's "why backpropagation" network) and ``nielsen_exercise()`` (a small 2–3–2
network in Nielsen's notation, quadratic cost); ``exercises()`` gives all three.
An ``Exercise`` names the numbers the documents ask for (its ``tasks``: δ_3, ∇E(w_x1,1),
δ^3_1, …) by the node whose gradient each one is, so ``exercise.practice("δ_3")``
asks exactly the steps that compute it and does the rest of the pass for the learner.

>>> ex = three_layer_exercise()
>>> ex.sample, list(ex.tasks)
('x = (1, 0.5), t = 1', ['δ', 'δ_3', 'δ_4', 'δ_1', '∇E(w_x1,1)'])
>>> from tinygrad_like.practice import scripted
>>> summary = ex.practice("δ_3", ask=scripted(["w_3_5", "skip"]), tell=lambda text: None)
>>> summary.right_first_time, summary.skipped     # ∂r_5/∂g(r_3) = w_3,5 right; the product skipped
(1, 1)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from nn.layers import MLP
from nn.losses import quadratic_cost, sum_squared_error
from tinygrad_like.explain import Explanation, explain
from tinygrad_like.practice import Summary, practice
from tinygrad_like.practice_widget import PracticeWidget, practice_widget
from tinygrad_like.value import Value


def _name_neuron(neuron, weights: list[str], bias: str, r: str, out: str) -> None:
    for w, label in zip(neuron.w, weights):
        w.label = label
    neuron.b.label = bias
    neuron.z_label = r
    neuron.a_label = out


def two_layer(n_inputs: int = 2, n_hidden: int = 2, seed: int | None = 0) -> MLP:
    r"""The blog's first network: n_inputs → n_hidden → 1, sigmoid g, labelled as the blog.

    >>> net = two_layer(2, 2)
    >>> [p.label for p in net.parameters()]
    ['w_1,1', 'w_2,1', 'b_1', 'w_1,2', 'w_2,2', 'b_2', 'ŵ_1', 'ŵ_2', 'b̂']
    """
    model = MLP(n_inputs, [n_hidden, 1], activation="sigmoid", seed=seed)
    hidden, (output,) = model.layers[0].neurons, model.layers[1].neurons
    for b, neuron in enumerate(hidden, 1):
        _name_neuron(neuron, [f"w_{a},{b}" for a in range(1, n_inputs + 1)], f"b_{b}", f"r_{b}", f"g(r_{b})")
    _name_neuron(output, [f"ŵ_{b}" for b in range(1, n_hidden + 1)], "b̂", "r̂", "y")
    return model


def three_layer(seed: int | None = 0) -> MLP:
    r"""The blog's "why backpropagation" network: x₁, x₂ → f₁, f₂ → f₃, f₄ → f₅.

    >>> net = three_layer()
    >>> [w.label for w in net.layers[2].neurons[0].w], net.layers[2].neurons[0].z_label
    (['w_3,5', 'w_4,5'], 'r_5')
    """
    model = MLP(2, [2, 2, 1], activation="sigmoid", seed=seed)
    (f1, f2), (f3, f4), (f5,) = (layer.neurons for layer in model.layers)
    for k, neuron in ((1, f1), (2, f2)):
        _name_neuron(neuron, [f"w_x1,{k}", f"w_x2,{k}"], f"b_{k}", f"r_{k}", f"g(r_{k})")
    for k, neuron in ((3, f3), (4, f4)):
        _name_neuron(neuron, [f"w_1,{k}", f"w_2,{k}"], f"b_{k}", f"r_{k}", f"g(r_{k})")
    _name_neuron(f5, ["w_3,5", "w_4,5"], "b_5", "r_5", "y")
    return model


@dataclass
class Exercise:
    r"""A network from the documents with fixed weights, one teacher sample and its loss, to practise on.

    ``tasks`` maps the documents' names for the numbers they derive (the blog's δ_3, Nielsen's
    δ^3_1, ∇E(w_x1,1), …) to the node whose gradient each one is: the blog's δ_j = ∂E/∂g(r_j)
    is the gradient at g(r_j), Nielsen's δ^l_j = ∂C/∂z^l_j the gradient at z^l_j, and
    ∇E(w) the gradient at w.
    """

    name: str
    document: str  # where the network and the tasks come from
    model: MLP
    x: list[float]
    t: list[float]
    loss: Value
    tasks: dict[str, Value] = field(default_factory=dict)
    target_name: str = "t"  # the blog's t; Nielsen's desired output is y(x)
    # each task as the document derives it: "δ_3 = ∂E/∂g(r_3) = δ·g′(r_5)·w_3,5"
    formulas: dict[str, str] = field(default_factory=dict)
    # what a node's gradient is in the document's terms, by label: {"r_5": "δ·g′(r_5)", "g(r_3)": "δ_3 = …"}
    meanings: dict[str, str] = field(default_factory=dict)

    @property
    def sample(self) -> str:
        """The teacher sample as the documents write it: ``x = (1, 0.5), t = 1``."""
        xs = ", ".join(f"{v:g}" for v in self.x)
        ts = f"{self.t[0]:g}" if len(self.t) == 1 else "(" + ", ".join(f"{v:g}" for v in self.t) + ")"
        return f"x = ({xs}), {self.target_name} = {ts}"

    def node(self, label: str) -> Value:
        """The node of the loss's graph with this label (``"g(r_3)"``, ``"z3_1"``, ``"w_x1,1"``).

        >>> three_layer_exercise().node("r_5").op
        'weighted_sum'
        """
        found = [v for v in self.explain().names if v.label == label]
        if not found:
            known = ", ".join(v.label for v in self.explain().names if v.label)
            raise KeyError(f"{self.name}: no node labelled {label!r}; its labels: {known}")
        return found[0]

    def forward(self) -> dict[str, float]:
        """The forward pass's values by label, in the order it computes them: what a learner works with.

        >>> round(three_layer_exercise().forward()["y"], 6)
        0.517766
        """
        return {v.label: v.data for v in self.explain().names if v.label}

    def explain(self) -> Explanation:
        """The answer key: ``tinygrad_like.explain`` of the loss (a fresh pass; no grad changes)."""
        return explain(self.loss)

    def practice(
        self,
        *tasks: str | Value,
        ask: Callable[[str], str | None] | None = None,
        tell: Callable[[str], None] | None = None,
    ) -> Summary:
        """Practise the backward pass of this exercise: the steps into the ``tasks`` given (names
        from ``tasks``, node labels, or nodes), or, with none, every step.

        ``ask`` and ``tell`` are ``tinygrad_like.practice``'s: ``scripted([...])`` for a lesson
        that runs by itself, ``input``/``print`` (the default) for a learner at the keyboard.
        A named task is said at the start in the document's terms ("you compute δ_3 = ∂E/∂g(r_3) =
        δ·g′(r_5)·w_3,5"), and the number found is named so when its step completes it ("that is
        δ_3 = δ·g′(r_5)·w_3,5 = 0.0056357474"); so are the gradients a question gives (r_5.grad,
        which is δ·g′(r_5)).
        """
        tell = tell or print
        for task in tasks:
            if isinstance(task, str) and task in self.formulas:
                node, where = self.tasks[task].label, f"{self.document}, sample {self.sample}"
                tell(f"Task ({where}): compute {self.formulas[task]}, the gradient {node}.grad.")
        return practice(self.loss, ask=ask, tell=tell, only=self._only(tasks), meanings=self._meanings())

    def _meanings(self) -> dict[Value, str]:
        nodes = {v.label: v for v in self.explain().names if v.label}
        return {nodes[label]: said for label, said in self.meanings.items() if label in nodes}

    def widget(self, *tasks: str | Value) -> PracticeWidget:
        """The same practice as a notebook widget (``tinygrad_like.practice_widget``; needs ipywidgets)."""
        return practice_widget(self.loss, only=self._only(tasks))

    def _only(self, tasks: tuple[str | Value, ...]) -> list[Value | str] | None:
        return [self.tasks.get(t, t) if isinstance(t, str) else t for t in tasks] or None

    def to_html(self, path: str | Path, *, level: str = "edge") -> Path:
        """Write the practice page of this exercise (``level="neuron"``: the blog's δ, neuron by neuron)."""
        return self.explain().to_html(path, model=self.model, level=level, sample=self.sample, practice=True)


def _task(loss: Value, labels: dict[str, str]) -> dict[str, Value]:
    nodes = {v.label: v for v in explain(loss).names if v.label}
    return {task: nodes[label] for task, label in labels.items()}


def _formulas(labels: dict[str, str], meanings: dict[str, str], cost: str) -> dict[str, str]:
    """Each task as the blog derives it, from what its node's gradient means: δ_3 = ∂E/∂g(r_3) = …"""
    out = {}
    for task, label in labels.items():
        name, formula = meanings[label].split(" = ", 1)
        out[task] = f"{name} = ∂{cost}/∂{label} = {formula}"
    return out


def _blog_exercise(
    name: str, section: str, model: MLP, labels: dict[str, str], meanings: dict[str, str]
) -> Exercise:
    """A blog network on the exercises' sample x = (1, 0.5), t = 1, with the blog's E = ½(y − t)²."""
    x, t = [1.0, 0.5], [1.0]
    loss = sum_squared_error([model(x)], t)
    loss.label = "E"
    document, tasks = f"the blog post, {section!r}", _task(loss, labels)
    formulas = _formulas(labels, meanings, "E")
    return Exercise(name, document, model, x, t, loss, tasks, formulas=formulas, meanings=meanings)


def two_layer_exercise(seed: int = 0) -> Exercise:
    r"""The blog's first network (2 → 2 → 1, sigmoid g) on the sample x = (1, 0.5), t = 1, E = ½(y − t)².

    Tasks: the output layer's ∇E(ŵ_1) = δ·g′(r̂)·g(r_1) and ∇E(b̂) = δ·g′(r̂), the hidden
    layer's ∇E(w_1,1) = δ·g′(r̂)·ŵ_1·g′(r_1)·x_1 and ∇E(b_1).

    >>> ex = two_layer_exercise()
    >>> list(ex.tasks), ex.tasks["∇E(ŵ_1)"].label
    (['δ', '∇E(ŵ_1)', '∇E(b̂)', '∇E(w_1,1)', '∇E(b_1)'], 'ŵ_1')
    """
    labels = {"δ": "y", "∇E(ŵ_1)": "ŵ_1", "∇E(b̂)": "b̂", "∇E(w_1,1)": "w_1,1", "∇E(b_1)": "b_1"}
    meanings = {
        "y": "δ = y − t",
        "r̂": "δ·g′(r̂)",
        "ŵ_1": "∇E(ŵ_1) = δ·g′(r̂)·g(r_1)",
        "b̂": "∇E(b̂) = δ·g′(r̂)",
        "g(r_1)": "δ·g′(r̂)·ŵ_1",
        "g(r_2)": "δ·g′(r̂)·ŵ_2",
        "r_1": "δ·g′(r̂)·ŵ_1·g′(r_1)",
        "r_2": "δ·g′(r̂)·ŵ_2·g′(r_2)",
        "w_1,1": "∇E(w_1,1) = δ·g′(r̂)·ŵ_1·g′(r_1)·x_1",
        "b_1": "∇E(b_1) = δ·g′(r̂)·ŵ_1·g′(r_1)",
    }
    model = two_layer(2, 2, seed=seed)
    return _blog_exercise("blog, two layers", "Deriving the formula", model, labels, meanings)


def three_layer_exercise(seed: int = 0) -> Exercise:
    r"""The blog's "why backpropagation" network x₁, x₂ → f₁, f₂ → f₃, f₄ → f₅ on x = (1, 0.5), t = 1.

    Tasks, in the blog's words ("Error signal"): δ = ∂E/∂y = y − t; δ_3 = δ·g′(r_5)·w_3,5 and
    δ_4 (the gradients at g(r_3), g(r_4)); δ_1 = δ_3·g′(r_3)·w_1,3 + δ_4·g′(r_4)·w_1,4, the
    gradient at g(r_1), which two edges reach (an accumulation); and ∇E(w_x1,1).

    >>> ex = three_layer_exercise()
    >>> ex.tasks["δ_1"].label, len(ex.explain())
    ('g(r_1)', 36)
    """
    labels = {"δ": "y", "δ_3": "g(r_3)", "δ_4": "g(r_4)", "δ_1": "g(r_1)", "∇E(w_x1,1)": "w_x1,1"}
    meanings = {
        "y": "δ = y − t",
        "r_5": "δ·g′(r_5)",
        "g(r_3)": "δ_3 = δ·g′(r_5)·w_3,5",
        "g(r_4)": "δ_4 = δ·g′(r_5)·w_4,5",
        "r_3": "δ_3·g′(r_3)",
        "r_4": "δ_4·g′(r_4)",
        "g(r_1)": "δ_1 = δ_3·g′(r_3)·w_1,3 + δ_4·g′(r_4)·w_1,4",
        "g(r_2)": "δ_2 = δ_3·g′(r_3)·w_2,3 + δ_4·g′(r_4)·w_2,4",
        "r_1": "δ_1·g′(r_1)",
        "r_2": "δ_2·g′(r_2)",
        # the blog writes g′(r_4) in this update: a slip (the engine's number is δ_1·g′(r_1)·x_1)
        "w_x1,1": "∇E(w_x1,1) = δ_1·g′(r_1)·x_1",
    }
    model = three_layer(seed=seed)
    return _blog_exercise("blog, three layers", "Why backpropagation?", model, labels, meanings)


def nielsen_exercise(seed: int = 0) -> Exercise:
    r"""A small network in Nielsen's notation: 2 → 3 → 2, σ, C = ½‖y − a³‖² on x = (1, 0.5), y = (1, 0).

    Tasks, one per equation: BP1's δ^3_1 = (a^3_1 − y_1)·σ′(z^3_1) (the gradient at z3_1);
    BP2's δ^2_1 = (Σ_j w^3_j1 δ^3_j)·σ′(z^2_1), whose sum is the accumulation at a2_1;
    BP3's ∂C/∂b^3_1 = δ^3_1; BP4's ∂C/∂w^3_1,2 = a^2_2·δ^3_1.

    >>> ex = nielsen_exercise()
    >>> [node.label for node in ex.tasks.values()]
    ['z3_1', 'a2_1', 'z2_1', 'b3_1', 'w3_1,2']
    """
    model = MLP(2, [3, 2], activation="sigmoid", seed=seed)
    x, y = [1.0, 0.5], [1.0, 0.0]
    loss = quadratic_cost([model(x)], [y])
    loss.label = "C"
    labels = {
        "δ^3_1": "z3_1",
        "∂C/∂a^2_1": "a2_1",
        "δ^2_1": "z2_1",
        "∂C/∂b^3_1": "b3_1",
        "∂C/∂w^3_1,2": "w3_1,2",
    }
    meanings = {
        "a3_1": "a³₁ − y₁",
        "a3_2": "a³₂ − y₂",
        "z3_1": "δ³₁ = (a³₁ − y₁)·σ′(z³₁)",
        "z3_2": "δ³₂ = (a³₂ − y₂)·σ′(z³₂)",
        "a2_1": "∂C/∂a²₁ = w3_1,1·δ³₁ + w3_2,1·δ³₂",
        "z2_1": "δ²₁ = (w3_1,1·δ³₁ + w3_2,1·δ³₂)·σ′(z²₁)",
        "b3_1": "∂C/∂b³₁ = δ³₁",
        "w3_1,2": "∂C/∂w3_1,2 = a²₂·δ³₁",
    }
    formulas = {
        "δ^3_1": "δ³₁ = ∂C/∂z³₁ = (a³₁ − y₁)·σ′(z³₁) (BP1)",
        "∂C/∂a^2_1": "∂C/∂a²₁ = w3_1,1·δ³₁ + w3_2,1·δ³₂ (the sum in BP2)",
        "δ^2_1": "δ²₁ = ∂C/∂z²₁ = (w3_1,1·δ³₁ + w3_2,1·δ³₂)·σ′(z²₁) (BP2)",
        "∂C/∂b^3_1": "∂C/∂b³₁ = δ³₁ (BP3)",
        "∂C/∂w^3_1,2": "∂C/∂w3_1,2 = a²₂·δ³₁ (BP4)",
    }
    document = "Nielsen's chapter 2, BP1–BP4"
    tasks = _task(loss, labels)
    return Exercise(
        "Nielsen, 2–3–2", document, model, x, y, loss, tasks, "y", formulas=formulas, meanings=meanings
    )


def exercises() -> dict[str, Exercise]:
    """The three ready exercises, fresh each call: ``two_layer``, ``three_layer`` and ``nielsen``.

    >>> {name: len(ex.explain()) for name, ex in exercises().items()}
    {'two_layer': 24, 'three_layer': 36, 'nielsen': 44}
    """
    return {
        "two_layer": two_layer_exercise(),
        "three_layer": three_layer_exercise(),
        "nielsen": nielsen_exercise(),
    }
