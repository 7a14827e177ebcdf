r"""The step-through page: one self-contained HTML file, one drawing, the steps as data.

The page holds the graph drawn once (SVG, positions from ``layout``) and, for each
step, what changes: which node passes its gradient (class ``active`` on the node's
SVG group), which receives it (class ``target``), the edge it flows along (class
``flow``), the texts that change (the receiver's grad) and the step's equation.
The browser applies them, so the page grows with nodes + steps, not nodes × steps.

The view follows the step: it centres the active and target nodes and zooms so
their text is at least 11 CSS px tall. When they are too far apart for that (a
parameter used by its neuron and by an L2 term across the graph), it zooms out
until both are in view and draws just those two at readable size where they are
(class ``lens``), the rest of the graph small around them. → and ← step; the mouse pans (drag) and
zooms (wheel); + and − zoom, W A S D pan, O shows the whole graph, F follows the
step again; ``page.html#step=7`` opens at step 7. No network is needed.

The data, for pages built on this one (``<script id="page-data" type="application/json">``)::

    {"boxes": {"n3": [x, y, width, height], ...},        # every node's box in SVG units
     "steps": [{"active": ["n3"], "target": ["n7"],      # ids of node groups
                "source": [], "edges": ["e5"],           # more node ids to mark; edge ids
                "set": [["n7-grad", "grad 0.5000"]],     # element id, its text from here on
                "title": "step 1", "equation": "<p>…</p>"}, ...]}
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tinygrad_like.labels import markup_safe

MAX_STEPS = 10_000
MIN_TEXT_PX = 11.0

STYLE = """
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body { font-family: system-ui, sans-serif; color: #222; display: flex; flex-direction: column; }
header { padding: .5em 1em .3em; border-bottom: 1px solid #ddd; }
h1 { font-size: 1.15em; margin: 0; }
header p { margin: .15em 0; font-size: .95em; }
.controls { display: flex; gap: .5em; align-items: center; padding: .35em 1em; flex-wrap: wrap; }
.controls input[type=range] { flex: 1; min-width: 8em; max-width: 30em; }
button { font-size: .95em; padding: .2em .7em; }
main { flex: 1; display: flex; min-height: 0; }
#stage { flex: 1; min-width: 0; position: relative; overflow: hidden; background: #fcfcfc;
         border-top: 1px solid #eee; cursor: grab; }
#stage svg { position: absolute; inset: 0; width: 100%; height: 100%; user-select: none; }
#explain-step { flex: 0 0 22em; padding: .6em 1em; overflow: auto; border-left: 1px solid #ddd;
                font-size: 1em; line-height: 1.4; }
#explain-step h2 { font-size: 1.05em; margin: 0 0 .3em; }
#explain-step p { margin: .25em 0; }
.rule { font-size: 1.1em; }
.muted { color: #666; font-size: .9em; }
.keys { color: #666; font-size: .85em; }
.term { white-space: nowrap; }
svg .node rect { fill: #fff; stroke: #555; stroke-width: 1.2; }
svg .node .op { fill: #eef; stroke: #557; }
svg .node text { font-size: 14px; font-family: system-ui, sans-serif; fill: #222; }
svg .node text.opsym { font-size: 13px; text-anchor: middle; dominant-baseline: central; }
svg .node text.name { font-weight: 600; }
svg .node text.grad { fill: #999; }
svg .node.known text.grad { fill: #222; }
svg .edge { fill: none; stroke: #aaa; stroke-width: 1.2; }
svg .edge.flow { stroke: #d62728; stroke-width: 3.5; vector-effect: non-scaling-stroke; }
svg .node.lens rect, svg .node.lens circle.neuron { filter: drop-shadow(0 0 3px rgba(0,0,0,.35)); }
svg .node.active rect, svg .node.active circle.neuron { fill: #ffd54f; stroke: #b26a00; stroke-width: 2.5; }
svg .node.target rect, svg .node.target circle.neuron { fill: #c8e6c9; stroke: #2e7d32; stroke-width: 2.5; }
svg .node.source rect, svg .node.source circle.neuron { fill: #ffe0b2; stroke: #b26a00; stroke-width: 2; }
"""

SCRIPT = r"""
(function () {
  const data = JSON.parse(document.getElementById('page-data').textContent);
  const steps = data.steps, boxes = data.boxes, MIN_TEXT = data.minText, FONT = data.font;
  const svg = document.querySelector('#stage svg');
  const stage = document.getElementById('stage');
  const slider = document.getElementById('slider');
  const counter = document.getElementById('counter');
  const panel = document.getElementById('explain-step');
  const b = svg.viewBox.baseVal, full = {x: b.x, y: b.y, width: b.width, height: b.height};
  const original = {};   // each element's text before any step set it
  steps.forEach(s => s.set.forEach(([id]) => {
    if (!(id in original)) original[id] = document.getElementById(id).textContent;
  }));
  let index = 0, view = null;
  let size = [stage.clientWidth, stage.clientHeight];   // read once: reading it makes the browser lay out
  const shown = Object.assign({}, original);   // the texts on the page now
  let shownKnown = new Set();                  // the nodes marked known now

  function keepTerms(root) {
    // a formula breaks only between its terms: each run of text without a space (δ_3·g′(r_3)·w_1,3,
    // -0.0437799) is one span.term that never wraps, so a line breaks only at the spaces around = and +
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const texts = [];
    while (walker.nextNode()) texts.push(walker.currentNode);
    texts.forEach(t => {
      if (t.parentNode.classList && t.parentNode.classList.contains('term')) return;
      const pieces = t.textContent.split(/(\s+)/);
      if (pieces.filter(p => p.trim()).length < 1) return;
      const frag = document.createDocumentFragment();
      pieces.forEach(p => {
        if (!p) return;
        if (!p.trim()) { frag.appendChild(document.createTextNode(p)); return; }
        const span = document.createElement('span');
        span.className = 'term';
        span.textContent = p;
        frag.appendChild(span);
      });
      t.parentNode.replaceChild(frag, t);
    });
  }
  keepTerms(document.querySelector('header'));
  function setView(cx, cy, scale) {
    const [w, h] = size;
    view = {cx, cy, scale};
    svg.setAttribute('viewBox', [cx - w / 2 / scale, cy - h / 2 / scale, w / scale, h / scale].join(' '));
  }
  function overview() {
    magnify([], 1);
    const [w, h] = size;
    const scale = Math.min(w / full.width, h / full.height) * 0.97;
    setView(full.x + full.width / 2, full.y + full.height / 2, scale);
  }
  function magnify(ids, factor) {
    // draw these nodes `factor` times their size about their own centres (1: as laid out)
    svg.querySelectorAll('.lens').forEach(g => {
      g.classList.remove('lens');
      g.removeAttribute('transform');
    });
    if (factor <= 1.0001) return;
    ids.forEach(id => {
      const [x, y, bw, bh] = boxes[id], cx = x + bw / 2, cy = y + bh / 2, g = document.getElementById(id);
      g.setAttribute('transform', `translate(${cx} ${cy}) scale(${factor}) translate(${-cx} ${-cy})`);
      g.classList.add('lens');
      g.parentNode.appendChild(g);   // drawn last: on top of whatever it now covers
    });
  }
  function frameOf(ids) {
    // the view that shows these boxes whole, as large as fits (at most 1.25), centred on them
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    ids.forEach(id => {
      const [x, y, bw, bh] = boxes[id];
      x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x + bw); y1 = Math.max(y1, y + bh);
    });
    const [w, h] = size, pad = 40;
    const fit = Math.min((w - 2 * pad) / (x1 - x0), (h - 2 * pad) / (y1 - y0));
    return {cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, scale: Math.min(fit, 1.25), fit, box: [x0, y0, x1, y1]};
  }
  function seen(v) {   // the part of the drawing a view shows: [x0, y0, x1, y1]
    const [w, h] = size;
    return [v.cx - w / 2 / v.scale, v.cy - h / 2 / v.scale, v.cx + w / 2 / v.scale, v.cy + h / 2 / v.scale];
  }
  function cutBy(r, [x, y, bw, bh]) {   // how much of a box a rectangle shows, when it shows part of it
    const ix = Math.min(r[2], x + bw) - Math.max(r[0], x), iy = Math.min(r[3], y + bh) - Math.max(r[1], y);
    if (ix <= 0 || iy <= 0) return 0;   // out of view
    const shown = (ix * iy) / (bw * bh);
    return shown >= 0.999 ? 0 : shown;   // 0: whole or none
  }
  function cuts(v) {   // how many boxes a view shows only part of
    const r = seen(v);
    let n = 0;
    for (const id in boxes) if (cutBy(r, boxes[id])) n++;
    return n;
  }
  function slide(v, axis) {
    // move the view along one axis, keeping the framed boxes in it, so that it cuts as few boxes as it can
    const [w, h] = size, half = (axis ? h : w) / 2 / v.scale, margin = 6 / v.scale, pad = 20 / v.scale;
    const lo = v.box[axis + 2] + pad - half, hi = v.box[axis] - pad + half;   // where the centre may go
    if (lo > hi) return v;
    const at = c => axis ? Object.assign({}, v, {cy: c}) : Object.assign({}, v, {cx: c});
    const count = c => cuts(at(c));
    const here = axis ? v.cy : v.cx, band = seen(v);
    const candidates = [here];
    for (const id in boxes) {
      const [x, y, bw, bh] = boxes[id];
      const a = axis ? y : x, b = a + (axis ? bh : bw), other = axis ? [x, x + bw] : [y, y + bh];
      if (other[1] < band[axis ? 0 : 1] || other[0] > band[axis ? 2 : 3]) continue;   // never in view
      if (b < lo - half - margin || a > hi + half + margin) continue;
      candidates.push(a - margin + half, b + margin + half, b + margin - half, a - margin - half);
    }
    let best = here, fewest = count(here);
    candidates.forEach(c => {
      c = Math.max(lo, Math.min(hi, c));
      const n = count(c);
      const nearer = Math.abs(c - here) < Math.abs(best - here);
      if (n < fewest || (n === fewest && nearer)) { best = c; fewest = n; }
    });
    return at(best);
  }
  function follow() {
    const s = steps[index];
    const ids = [...s.active, ...s.target, ...s.source].filter(id => id in boxes);
    magnify([], 1);
    if (!ids.length) { overview(); return; }
    const readable = MIN_TEXT / FONT * 1.08;   // node text at least MIN_TEXT CSS px
    let v = frameOf(ids);
    if (v.fit >= readable) {
      // a box the view shows most of joins the frame (the view widens to show it whole, if it stays
      // readable); then the view slides so that it cuts as few boxes as it can: no record half shown
      let framed = new Set(ids);
      for (let round = 0; round < 4; round++) {
        const r = seen(v);
        const more = Object.keys(boxes).filter(id => !framed.has(id) && cutBy(r, boxes[id]) >= 0.5);
        if (!more.length) break;
        const wider = frameOf([...framed, ...more]);
        if (wider.fit < readable) break;
        more.forEach(id => framed.add(id));
        v = wider;
      }
      // slide, and if that is not enough zoom out a little (never below readable) and slide again
      let best = null, fewest = Infinity;
      for (const f of [1, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7]) {
        if (f < 1 && v.scale * f < readable) break;
        const tried = slide(slide(Object.assign({}, v, {scale: v.scale * f}), 0), 1), n = cuts(tried);
        if (n < fewest) { best = tried; fewest = n; }
        if (!n) break;
      }
      setView(best.cx, best.cy, best.scale);
      return;
    }
    // Too far apart to show both readably at one scale: zoom out until every marked node's
    // centre is in view with room for it at readable size, and draw those nodes at that size
    // where they are (the rest of the graph stays small around them, for context).
    const [w, h] = size, pad = 40;
    let cx0 = Infinity, cy0 = Infinity, cx1 = -Infinity, cy1 = -Infinity, bw = 0, bh = 0;
    ids.forEach(id => {
      const [x, y, ww, hh] = boxes[id];
      cx0 = Math.min(cx0, x + ww / 2); cx1 = Math.max(cx1, x + ww / 2);
      cy0 = Math.min(cy0, y + hh / 2); cy1 = Math.max(cy1, y + hh / 2);
      bw = Math.max(bw, ww); bh = Math.max(bh, hh);
    });
    const roomX = w - 2 * pad - bw * readable, roomY = h - 2 * pad - bh * readable;
    const scale = Math.min(readable, roomX / Math.max(cx1 - cx0, 1e-6), roomY / Math.max(cy1 - cy0, 1e-6));
    setView((cx0 + cx1) / 2, (cy0 + cy1) / 2, scale);
    magnify(ids, readable / scale);
  }
  function mark(cls, ids) {
    svg.querySelectorAll('.' + cls).forEach(e => e.classList.remove(cls));
    ids.forEach(id => document.getElementById(id).classList.add(cls));
  }
  function show(i) {
    index = Math.max(0, Math.min(steps.length - 1, i));
    const texts = Object.assign({}, original), known = new Set(data.known);
    for (let k = 0; k <= index; k++) {
      steps[k].set.forEach(([id, text]) => { texts[id] = text; });
      steps[k].target.forEach(id => known.add(id));
    }
    // touch only what changed: a big graph has thousands of texts, a step changes one or two
    Object.entries(texts).forEach(([id, text]) => {
      if (shown[id] !== text) { document.getElementById(id).textContent = text; shown[id] = text; }
    });
    known.forEach(id => { if (!shownKnown.has(id)) document.getElementById(id).classList.add('known'); });
    shownKnown.forEach(id => { if (!known.has(id)) document.getElementById(id).classList.remove('known'); });
    shownKnown = known;
    const s = steps[index];
    mark('active', s.active); mark('target', s.target); mark('source', s.source); mark('flow', s.edges);
    slider.value = index;
    counter.textContent = (index + 1) + ' / ' + steps.length;
    panel.innerHTML = '<h2>' + s.title + '</h2>' + s.equation;
    keepTerms(panel);
    document.body.dataset.step = index;
    follow();
    document.dispatchEvent(new CustomEvent('pagestep', {detail: {index}}));   // for pages built on this one
  }
  function zoom(factor, px, py) {
    const r = stage.getBoundingClientRect();
    px = px === undefined ? r.width / 2 : px; py = py === undefined ? r.height / 2 : py;
    const wx = view.cx + (px - r.width / 2) / view.scale, wy = view.cy + (py - r.height / 2) / view.scale;
    const scale = Math.max(0.02, Math.min(8, view.scale * factor));
    magnify([], 1);
    setView(wx - (px - r.width / 2) / scale, wy - (py - r.height / 2) / scale, scale);
  }
  function pan(dx, dy) {
    magnify([], 1);
    setView(view.cx + dx / view.scale, view.cy + dy / view.scale, view.scale);
  }

  document.getElementById('prev').addEventListener('click', () => show(index - 1));
  document.getElementById('next').addEventListener('click', () => show(index + 1));
  document.getElementById('overview').addEventListener('click', overview);
  document.getElementById('follow').addEventListener('click', follow);
  slider.addEventListener('input', () => show(parseInt(slider.value, 10)));
  document.addEventListener('keydown', (e) => {
    if (e.target.tagName === 'INPUT' && e.key.startsWith('Arrow')) return;   // the slider steps itself
    const k = e.key.toLowerCase();
    const actions = {
      arrowright: () => show(index + 1), arrowleft: () => show(index - 1),
      home: () => show(0), end: () => show(steps.length - 1),
      '+': () => zoom(1.25), '=': () => zoom(1.25), '-': () => zoom(0.8),
      w: () => pan(0, -80), s: () => pan(0, 80), a: () => pan(-80, 0), d: () => pan(80, 0),
      o: overview, '0': overview, f: follow,
    };
    if (actions[k] && !e.ctrlKey && !e.metaKey && !e.altKey) { actions[k](); e.preventDefault(); }
  });
  stage.addEventListener('wheel', (e) => {
    const r = stage.getBoundingClientRect();
    zoom(Math.exp(-e.deltaY / 400), e.clientX - r.left, e.clientY - r.top);
    e.preventDefault();
  }, {passive: false});
  let drag = null;
  stage.addEventListener('pointerdown', (e) => {
    drag = [e.clientX, e.clientY];
    stage.setPointerCapture(e.pointerId);
  });
  stage.addEventListener('pointermove', (e) => {
    if (!drag) return;
    pan(drag[0] - e.clientX, drag[1] - e.clientY);
    drag = [e.clientX, e.clientY];
  });
  stage.addEventListener('pointerup', () => { drag = null; });
  new ResizeObserver(() => {   // the window or the header changed the stage's size
    const now = [stage.clientWidth, stage.clientHeight];
    if (now[0] !== size[0] || now[1] !== size[1]) { size = now; follow(); }
  }).observe(stage);
  const start = /step=(\d+)/.exec(location.hash);   // page.html#step=7 opens at step 7
  show(start ? parseInt(start[1], 10) - 1 : 0);
})();
"""


def factor(x: float, spec: str = ".6g") -> str:
    """A number as a factor of a written product: a negative one in parentheses.

    >>> f"{factor(0.25)} × {factor(-0.5)}"
    '0.25 × (-0.5)'
    """
    text = format(x + 0.0, spec)  # never -0
    return f"({text})" if text.startswith("-") else text


def check_size(steps: int, where: str, max_steps: int = MAX_STEPS) -> None:
    """Refuse a pass too long to step through, saying how to make the graph smaller."""
    if steps > max_steps:
        raise ValueError(
            f"{where}: {steps:,} steps is more than max_steps={max_steps:,}; make the graph smaller: "
            "explain the loss of one sample instead of a batch, use a network with fewer or narrower "
            "layers, drop terms such as an L2 penalty, or pass a larger max_steps"
        )


def _markup_safe_data(data: Any) -> Any:
    """``labels.markup_safe`` on every string of the page's data (lists and dicts of them)."""
    if isinstance(data, str):
        return markup_safe(data)
    if isinstance(data, list):
        return [_markup_safe_data(item) for item in data]
    if isinstance(data, dict):
        return {key: _markup_safe_data(value) for key, value in data.items()}
    return data


def page_html(
    *,
    title: str,
    lines: Sequence[str],
    svg: str,
    boxes: dict[str, tuple[float, float, float, float]],
    steps: list[dict[str, Any]],
    known: Sequence[str] = (),
    font: float = 14.0,
    style: str = "",
    script: str = "",
) -> str:
    """The page's HTML: a header (``title``, then ``lines`` of HTML), controls, the drawing, the data.

    ``style`` and ``script`` are added after the page's own (CSS; JavaScript that runs before the
    first step is shown and may listen for the ``pagestep`` event, ``event.detail.index``).
    """
    # a label may hold anything: controls, lone surrogates, bidi overrides are shown visibly
    svg, title, lines = markup_safe(svg), markup_safe(title), [markup_safe(line) for line in lines]
    data = {
        "boxes": {k: [round(v, 1) for v in box] for k, box in boxes.items()},
        "steps": _markup_safe_data(steps),
        "known": list(known),
        "minText": MIN_TEXT_PX,
        "font": font,
    }
    # inside <script>, "</" would end the element: JSON allows the escaped form
    # (and "<!--" would change how the rest is read: \u003c is the same character in JSON)
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    payload = payload.replace("<!--", "\\u003c!--")
    header = "".join(f"<p>{line}</p>" for line in lines)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{STYLE}{style}</style></head>
<body>
<header><h1>{html.escape(title)}</h1>{header}</header>
<div class="controls">
  <button id="prev" type="button" title="previous step (←)">◀ previous</button>
  <input id="slider" type="range" min="0" max="{max(len(steps) - 1, 0)}" value="0" aria-label="step">
  <button id="next" type="button" title="next step (→)">next ▶</button>
  <span id="counter"></span>
  <button id="follow" type="button" title="zoom to this step's nodes (F)">follow the step</button>
  <button id="overview" type="button" title="the whole graph (O)">overview</button>
  <span class="keys">← → step · drag, wheel, + − and W A S D move the view · O overview · F follow</span>
</div>
<main><div id="stage">{svg}</div><aside id="explain-step" aria-live="polite"></aside></main>
<script id="page-data" type="application/json">{payload}</script>
<script>{script}</script>
<script>{SCRIPT}</script>
</body></html>
"""


def write_html(path: Path, text: str) -> Path:
    """Write a page, checking the name ends in .html."""
    if path.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"to_html: {str(path)!r} should end in .html")
    path.write_text(text, encoding="utf-8")
    return path
