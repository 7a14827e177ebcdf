"""The step-through page: one self-contained HTML file, every frame's SVG inside, no network needed.

Previous/next buttons, a slider and the arrow keys move through the backward
pass; each frame stands beside its step's equation, fitted to the page, or at
full size with the highlighted node scrolled into view (the zoom button).
"""

from __future__ import annotations

import html
from pathlib import Path

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; margin: 0 0 .3em; }
.controls { display: flex; gap: .6em; align-items: center; margin: .8em 0; }
.controls input[type=range] { flex: 1; max-width: 40em; }
button { font-size: 1em; padding: .3em .9em; }
.frame { display: none; gap: 1.2em; align-items: flex-start; }
.frame.current { display: flex; }
.picture { flex: 1 1 auto; min-width: 0; overflow: auto; max-height: 80vh; }
.picture { border: 1px solid #ddd; padding: .5em; }
.picture svg { width: 100%; height: auto; }
body.zoomed .picture svg { width: auto; }
.equation { flex: 0 0 21em; font-size: 1.05em; line-height: 1.4; }
.equation h2 { font-size: 1.1em; margin: 0; }
.equation p { margin: .2em 0; }
.equation code { background: #f4f4f4; padding: .1em .3em; }
.rule { font-size: 1.2em; }
.muted { color: #777; font-size: .9em; }
"""

SCRIPT = """
(function () {
  const frames = Array.from(document.querySelectorAll('.frame'));
  const slider = document.getElementById('slider');
  const counter = document.getElementById('counter');
  const current = document.getElementById('current-node');
  let index = 0;
  function show(i) {
    index = Math.max(0, Math.min(frames.length - 1, i));
    frames.forEach((f, k) => f.classList.toggle('current', k === index));
    slider.value = index;
    counter.textContent = (index + 1) + ' / ' + frames.length;
    current.textContent = frames[index].dataset.node;
    document.body.dataset.step = index;
    if (document.body.classList.contains('zoomed')) {
      const mark = Array.from(frames[index].querySelectorAll('polygon, path'))
        .find(p => p.getAttribute('fill') === '#ffd54f');
      if (mark) mark.scrollIntoView({block: 'center', inline: 'center'});
    }
  }
  document.getElementById('zoom').addEventListener('click', () => {
    document.body.classList.toggle('zoomed');
    show(index);
  });
  document.getElementById('prev').addEventListener('click', () => show(index - 1));
  document.getElementById('next').addEventListener('click', () => show(index + 1));
  slider.addEventListener('input', () => show(parseInt(slider.value, 10)));
  document.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') { show(index + 1); e.preventDefault(); }
    if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') { show(index - 1); e.preventDefault(); }
    if (e.key === 'Home') show(0);
    if (e.key === 'End') show(frames.length - 1);
  });
  show(0);
})();
"""


def _equation_html(step) -> str:
    e = html.escape
    return (
        f'<p class="rule">∂{e(step.node_name)}/∂{e(step.child_name)} = {e(step.rule)} = '
        f"<b>{step.local:.6g}</b></p>"
        f"<p>upstream: {e(step.node_name)}.grad = {step.upstream:.6g}</p>"
        f"<p>contribution = local × upstream = {step.local:.6g} × {step.upstream:.6g} = "
        f"<b>{step.contribution:.6g}</b></p>"
        f"<p>{e(step.child_name)}.grad becomes <b>{step.child_grad:.6g}</b></p>"
        '<p class="muted">The highlighted node passes its gradient along the red edge.</p>'
    )


def write_page(explanation, path: Path, **draw_options) -> Path:
    """Render every frame and write the page to ``path``."""
    if path.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"to_html: {str(path)!r} should end in .html")
    if not explanation.steps:
        raise ValueError("to_html: nothing to step through: the root was made by no operation")
    drawings = explanation.frames(**draw_options)
    root_name = html.escape(explanation.names[explanation.root])
    parts = []
    for step, drawing in zip(explanation.steps, drawings):
        svg = drawing.svg()
        svg = svg[svg.index("<svg") :]  # drop the XML prologue and DOCTYPE: the SVG sits inside HTML
        parts.append(
            f'<section class="frame" data-node="{html.escape(step.node_name)}" '
            f'data-child="{html.escape(step.child_name)}">'
            f'<div class="picture">{svg}</div>'
            f'<div class="equation"><h2>step {step.index + 1}</h2>{_equation_html(step)}</div></section>'
        )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>backpropagation through {root_name}, step by step</title>
<style>{STYLE}</style></head>
<body>
<h1>Backpropagation through {root_name}, one chain-rule step at a time</h1>
<p class="muted">{len(drawings)} steps, one per edge, in the order backward() takes them.
Use the buttons, the slider or the arrow keys; zoom shows the graph at full size. Made by tinygrad_like.</p>
<div class="controls">
  <button id="prev" type="button">◀ previous</button>
  <input id="slider" type="range" min="0" max="{max(len(drawings) - 1, 0)}" value="0" aria-label="step">
  <button id="next" type="button">next ▶</button>
  <span id="counter"></span> <span class="muted">node:</span> <b id="current-node"></b>
  <button id="zoom" type="button" title="fit the picture to the page, or show it at full size">zoom</button>
</div>
{"".join(parts)}
<script>{SCRIPT}</script>
</body></html>
"""
    path.write_text(page, encoding="utf-8")
    return path
