r"""The practice page: the step-through page with answer fields in place of the revealed numbers.

``explain(root).to_html(path, practice=True)`` (and ``level="neuron"`` with ``model=``)
writes the page of ``page.py`` with each step's numbers hidden. The side panel asks
what ``practice(root)`` asks, in the same order: for each step into a variable the
local derivative, the contribution local × upstream and, at a node reached by several
edges, the gradient so far; on the neuron level each frame's δ or ∂E/∂w. The browser
checks every answer as ``practice`` does,

    right  ⇔  |answer − expected| ≤ max(half a unit in the last digit typed, 1e-6·|expected|)

(a typed 0 only for 0; an expression to 1e-6 relative), gives the same three staged
hints (the rule, the numbers, the answer), reveals the frame (the grads drawn, the
step's equation) once the step is answered or skipped, and keeps the score
(``#score``). Expressions are read by a small parser in the page for numbers, the
graph's names, ``+ - * / **``, parentheses and the parser's functions; nothing typed and
nothing a label says is executed (every text is set as text, never as HTML).

Page classes: ``.question`` (``.open``, ``.right``, ``.skipped``), ``input.answer``
(``.wrong`` after a wrong answer), ``.verdict`` (``.right``, ``.wrong``, ``.refused``),
``.hint``, ``.solution``; the body gets ``data-done`` (steps done) after each answer.

>>> from tinygrad_like import Value, explain
>>> x = Value(2.0, label="x"); w = Value(-3.0, label="w")
>>> y = x * w; y.label = "y"
>>> page = explain(y).page(practice=True)
>>> 'id="score"' in page and '"expected":-3.0' in page
True
"""

from __future__ import annotations

import html
import json
from typing import Any

from tinygrad_like.ops import by_parser_name
from tinygrad_like.page import page_html
from tinygrad_like.practice import RELATIVE, Practice, matches, num

STYLE = """
#explain-step .intro { color: #333; }
.question { margin: .45em 0; padding: .25em .5em; border-left: 3px solid #bbb; }
.question.open { border-color: #1565c0; background: #f5f9ff; }
.question.right { border-color: #2e7d32; }
.question.skipped { border-color: #999; }
.question .prompt { font-weight: 600; margin: .1em 0; }
.question form { display: flex; gap: .3em; flex-wrap: wrap; margin: .2em 0; }
input.answer { flex: 1 1 100%; font: inherit; padding: .2em .35em; border: 1px solid #888;
               border-radius: 3px; }
input.answer.wrong { border: 2px solid #c62828; background: #ffebee; }
.verdict { margin: .15em 0; white-space: pre-wrap; }
.verdict.right { color: #2e7d32; font-weight: 600; }
.verdict.wrong { color: #c62828; font-weight: 600; }
.verdict.refused { color: #8a5a00; }
.verdict.skipped { color: #555; }
.hint { color: #333; margin: .1em 0 .1em .8em; }
.solution { border-top: 1px solid #ddd; margin-top: .6em; padding-top: .3em; }
#score { font-weight: 600; color: #1565c0; }
"""

SCRIPT = r"""
(function () {
  const P = PRACTICE;   // names an expression may use (with their values), functions, tolerance
  const data = JSON.parse(document.getElementById('page-data').textContent);
  const steps = data.steps;
  const panel = document.getElementById('explain-step');
  const byId = (id) => document.getElementById(id);
  const state = steps.map(s => s.practice.map(() => (
    {attempts: 0, hints: 0, right: false, skipped: false, mistakes: [], log: [], typed: ''})));
  let index = 0;

  // ---- numbers as practice() writes and checks them ----------------------------------------
  function strip(s) { return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s; }
  function num(x) {                        // Python's format(x, '.8g'), never -0
    if (x === 0) return '0';
    if (!isFinite(x)) return String(x);
    const e = parseInt(x.toExponential(7).split('e')[1], 10);
    if (e < -4 || e >= 8) {
      const [m, ex] = x.toExponential(7).split('e');
      const n = parseInt(ex, 10);
      return strip(m) + 'e' + (n < 0 ? '-' : '+') + String(Math.abs(n)).padStart(2, '0');
    }
    return strip(x.toFixed(7 - e));
  }
  const NUMBER = /^[+-]?(?:\d+(\.\d*)?|(\.\d+))(?:[eE]([+-]?\d+))?$/;
  function typedTolerance(text) {          // half a unit in the last digit typed; 0 for an integer
    const m = NUMBER.exec(text);
    const fraction = m[1] || m[2], exponent = m[3];
    if (fraction === undefined && exponent === undefined) return 0;
    const decimals = (fraction ? fraction.length - 1 : 0) - (exponent ? parseInt(exponent, 10) : 0);
    return 0.5 * Math.pow(10, -decimals);
  }
  function matches(value, target, tolerance) {
    if (!(isFinite(value) && isFinite(target))) return value === target;
    if (value === 0) return Math.abs(target) <= 1e-12;
    const slack = tolerance * (1 + 1e-9) + 1e-15;
    return Math.abs(value - target) <= Math.max(slack, P.relative * Math.abs(target));
  }

  // ---- the expression parser: + - * / **, parentheses, names, the functions; nothing else ----
  class Refused extends Error {}
  class Undefined extends Error {}
  const GRAMMAR = 'use numbers, names, + - * / **, parentheses and ' +
    P.functions.map(f => f + '()').join(', ');
  const IMPL = /*IMPL*/{};  // each function as its table entry writes it in JavaScript (ops.Op.js)
  const TYPED = [['−', '-'], ['·', '*'], ['⋅', '*'], ['×', '*'], ['^', '**'], ['²', '**2']];
  // a name typed as it is shown (z²₁, g(r_1), w_3,5) is read as its spelling (z2_1, g_r_1, w_3_5)
  const quote = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const SHOWN = Object.keys(P.shown).sort((a, b) => b.length - a.length)
    .map(n => '(?<![\\p{L}\\p{N}_])' + quote(n) + '(?![\\p{L}\\p{N}_])');
  const SHOWN_NAMES = SHOWN.length ? new RegExp(SHOWN.join('|'), 'gu') : null;
  function normalize(text) {               // as practice's read: shown names, σ, tanh²(m), − · × ^ ²
    if (SHOWN_NAMES) text = text.replace(SHOWN_NAMES, (name) => P.shown[name]);
    Object.entries(P.symbols).forEach(([a, b]) => { text = text.split(a).join(b); });  // σ → sigmoid
    text = text.replace(/([A-Za-z_]\w*)²\(([^()]*)\)/g, '$1($2)**2');
    TYPED.forEach(([a, b]) => { text = text.split(a).join(b); });
    return text.normalize('NFKC').trim();   // names as Python's parser reads them (ŵ, δ, b̂)
  }
  function tokenize(src) {
    const tokens = [];
    let i = 0;
    while (i < src.length) {
      const c = src[i];
      if (/\s/.test(c)) { i++; continue; }
      const rest = src.slice(i);
      const n = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(rest);
      const w = /^[\p{ID_Start}_][\p{ID_Continue}]*/u.exec(rest);   // a Python identifier: δ, ŵ_1
      if (n) { tokens.push({kind: 'num', value: parseFloat(n[0])}); i += n[0].length; continue; }
      if (w) { tokens.push({kind: 'name', value: w[0]}); i += w[0].length; continue; }
      if (rest.startsWith('**')) { tokens.push({kind: 'op', value: '**'}); i += 2; continue; }
      if ('+-*/()'.includes(c)) { tokens.push({kind: 'op', value: c}); i++; continue; }
      const what = c === '.' ? 'attribute access' : c === '"' || c === "'" ? 'strings'
        : c === '[' ? 'subscripts' : c === ',' ? 'more than one argument or tuples'
        : c === '=' ? 'assignments and comparisons' : 'the character ' + JSON.stringify(c);
      tokens.push({kind: 'bad', value: 'not allowed: ' + what + '; ' + GRAMMAR});
      break;
    }
    return tokens;
  }
  function evaluate(text) {
    if (text.length > 1000) throw new Refused('the expression is longer than 1,000 characters');
    const tokens = tokenize(text);
    let pos = 0, depth = 0;
    const peek = () => tokens[pos] || {kind: 'end', value: ''};
    function bad(t) {
      if (t.kind === 'bad') return new Refused(t.value);
      if (t.kind === 'end') return new Refused('the expression ends too soon; ' + GRAMMAR);
      return new Refused('syntax error at ' + JSON.stringify(String(t.value)) + '; ' + GRAMMAR);
    }
    function isOp(v) { const t = peek(); return t.kind === 'op' && t.value === v; }
    function expect(v) { if (!isOp(v)) throw bad(peek()); pos++; }
    function finite(x, what) { if (!isFinite(x)) throw new Undefined(what + ' is undefined'); return x; }
    function expr() {
      if (++depth > 200) throw new Refused('the expression is nested too deeply');
      let v = term();
      for (;;) {
        if (isOp('+')) { pos++; v = v + term(); } else if (isOp('-')) { pos++; v = v - term(); } else break;
      }
      depth--;
      return v;
    }
    function term() {
      let v = unary();
      for (;;) {
        if (isOp('*')) { pos++; v = v * unary(); }
        else if (isOp('/')) {
          pos++;
          const d = unary();
          if (d === 0) throw new Undefined('division by zero: ' + num(v) + ' / 0');
          v = v / d;
        } else return v;
      }
    }
    function unary() {
      if (++depth > 200) throw new Refused('the expression is nested too deeply');
      let v;
      if (isOp('-')) { pos++; v = -unary(); } else if (isOp('+')) { pos++; v = unary(); } else v = power();
      depth--;
      return v;
    }
    function power() {
      const base = atom();
      if (!isOp('**')) return base;
      pos++;
      const exponent = unary();
      return finite(Math.pow(base, exponent), num(base) + ' ** ' + num(exponent));
    }
    function atom() {
      const t = peek();
      if (t.kind === 'num') { pos++; return t.value; }
      if (isOp('(')) { pos++; const v = expr(); expect(')'); return v; }
      if (t.kind !== 'name') throw bad(t);
      pos++;
      if (isOp('(')) {
        if (!P.functions.includes(t.value)) {
          throw new Refused('unknown function ' + JSON.stringify(t.value) + '; known functions: ' +
                            P.functions.join(', '));
        }
        if (!(t.value in IMPL)) {
          throw new Refused(t.value + '() is not available on this page; type a number');
        }
        pos++;
        const v = expr();
        expect(')');
        return finite(IMPL[t.value](v), t.value + '(' + num(v) + ')');
      }
      if (P.functions.includes(t.value)) throw new Refused('not allowed: using the function ' + t.value +
                                                           ' without calling it; ' + GRAMMAR);
      if (!Object.prototype.hasOwnProperty.call(P.names, t.value)) {
        const known = P.listed.join(', ') || 'none (answer with a number)';
        throw new Refused(JSON.stringify(t.value) + ' is not a name in this graph; names you can use: ' +
                          known);
      }
      return P.names[t.value];
    }
    if (!tokens.length) throw new Refused('the answer is empty; ' + GRAMMAR);
    const value = expr();
    if (pos < tokens.length) throw bad(peek());
    return finite(value, 'the result');
  }
  function read(text) {                     // [value, tolerance typed]
    const t = normalize(text);
    if (NUMBER.test(t)) return [parseFloat(t), typedTolerance(t)];
    if (/^[+-]?\d+,\d+$/.test(t)) {       // 0,5: a decimal written with a comma
      throw new Refused('write a decimal with a point: ' + t.replace(',', '.') + ', not ' + t);
    }
    return [evaluate(t), 0];
  }

  // ---- the session: answers, hints, skips, the score --------------------------------------
  const finished = (r) => r.right || r.skipped;
  const done = (k) => state[k].every(finished);
  const open = (k) => state[k].findIndex(r => !finished(r));
  function hint(k, i) {
    const r = state[k][i], stage = Math.min(r.hints, 2);
    r.hints = Math.min(r.hints + 1, 3);
    return 'hint ' + (stage + 1) + '/3: ' + steps[k].practice[i].hints[stage];
  }
  function mistake(q, value, tolerance) {
    const trap = q.traps.find(([target]) => matches(value, target, tolerance));
    return trap ? trap[1] : 'wrong value';
  }
  function answer(k, i, text) {
    const q = steps[k].practice[i], r = state[k][i], word = text.trim().toLowerCase();
    r.typed = text;
    if (word === 'skip' || word === 's') {
      r.skipped = true;
      r.log.push(['verdict skipped', 'skipped: ' + q.hints[2].replace(/^the answer: /, '')]);
    } else if (word === 'hint' || word === '?') {
      r.log.push(['hint', hint(k, i)]);
    } else {
      let value, tolerance;
      try {
        [value, tolerance] = read(text);
      } catch (err) {
        const head = err instanceof Undefined ? 'cannot compute that here: ' : 'refused: ';
        r.log.push(['verdict refused', head + err.message + '. Try again, or type skip.']);
        render();
        return;
      }
      r.attempts++;
      if (matches(value, q.expected, tolerance)) {
        r.right = true;
        r.log.push(['verdict right', '✓ right: ' + q.what + ' = ' + num(q.expected)]);
      } else {
        const m = mistake(q, value, tolerance);
        r.mistakes.push(m);
        r.log.push(['verdict wrong', '✗ wrong: ' + num(value) + ' is not ' + q.what +
                    (m === 'wrong value' ? '' : ' (' + m + ')')]);
        r.log.push(['hint', hint(k, i)]);
      }
    }
    score();
    render();
  }
  function score() {
    const asked = state.filter(rs => rs.length), all = asked.flat();
    const first = all.filter(r => r.right && r.attempts === 1 && r.hints === 0).length;
    const hints = all.reduce((n, r) => n + r.hints, 0), skipped = all.filter(r => r.skipped).length;
    const stepsDone = asked.filter(rs => rs.every(finished)).length;
    const counts = {};
    all.forEach(r => r.mistakes.forEach(m => {   // named as practice()'s summary names them
      const kind = m === 'wrong value' ? 'other wrong values' : m;
      counts[kind] = (counts[kind] || 0) + 1;
    }));
    const kinds = Object.entries(counts).map(([m, n]) => m + ' ×' + n).join(', ');
    byId('score').textContent = 'score: ' + first + ' of ' + all.length + ' right the first time · ' +
      stepsDone + ' of ' + asked.length + (asked.length === 1 ? ' step' : ' steps') + ' done · ' +
      hints + ' hint' + (hints === 1 ? '' : 's') +
      ' · ' + skipped + ' skipped' + (kinds ? ' · mistakes: ' + kinds : '');
    document.body.dataset.done = stepsDone;
  }

  // ---- what the page shows: hidden numbers until a step is done ----------------------------
  const original = {};
  steps.forEach(s => s.reveal.forEach(([id]) => {
    if (!(id in original)) original[id] = byId(id).textContent;
  }));
  // a number, not a name's index: δ_3 = 0.0147 → δ_3 = ?, w_3,5 = 0.5 → w_3,5 = ?
  const NUMBER_SHOWN = /(?<![\p{L}\p{N}_.]|\d,)[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/giu;
  const hidden = (text) => text.replace(NUMBER_SHOWN, '?');
  function paint() {
    const texts = Object.assign({}, original);
    for (let k = 0; k <= index; k++) {
      steps[k].reveal.forEach(([id, text]) => { texts[id] = done(k) ? text : hidden(text); });
    }
    Object.entries(texts).forEach(([id, text]) => { byId(id).textContent = text; });
  }
  function add(parent, tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    parent.appendChild(e);
    return e;
  }
  function render() {
    const k = index, s = steps[k], current = open(k);
    panel.innerHTML = '<h2>' + s.title + '</h2>';   // the page's own title (escaped when written)
    if (s.intro) add(panel, 'p', 'intro', s.intro);
    if (!s.practice.length) add(panel, 'p', 'muted', 'a step into a constant: done for you');
    let field = null, next = null;
    s.practice.forEach((q, i) => {
      if (current !== -1 && i > current) return;
      const r = state[k][i];
      const box = add(panel, 'div', 'question ' + (r.right ? 'right' : r.skipped ? 'skipped' : 'open'));
      add(box, 'p', 'prompt', q.prompt);
      r.log.forEach(([cls, text]) => add(box, 'p', cls, text));
      if (i !== current) return;
      const form = add(box, 'form');
      field = add(form, 'input', 'answer');
      field.type = 'text';
      field.autocomplete = 'off';
      field.spellcheck = false;
      field.setAttribute('aria-label', q.what);
      field.placeholder = 'a number or an expression';   // read whole at 1280×720 (the header says Enter)
      const verdicts = r.log.filter(([c]) => c.startsWith('verdict'));
      const last = verdicts.length ? verdicts[verdicts.length - 1][0] : '';
      if (last === 'verdict wrong') field.classList.add('wrong');
      field.value = r.typed;
      field.addEventListener('keydown', (e) => e.stopPropagation());   // typing is not the page's keys
      add(form, 'button', 'check', 'check').type = 'submit';
      const h = add(form, 'button', 'hint-button', 'hint');
      h.type = 'button';
      h.addEventListener('click', () => answer(k, i, 'hint'));
      const sk = add(form, 'button', 'skip', 'skip');
      sk.type = 'button';
      sk.addEventListener('click', () => answer(k, i, 'skip'));
      form.addEventListener('submit', (e) => { e.preventDefault(); answer(k, i, field.value); });
    });
    if (done(k)) {
      const sol = add(panel, 'div', 'solution');
      sol.innerHTML = s.solution;                      // the page's own equation (escaped when written)
      if (k + 1 < steps.length) {
        next = add(sol, 'button', 'next-step', 'next step ▶');
        next.type = 'button';
        next.addEventListener('click', () => byId('next').click());
      }
    } else {
      add(panel, 'p', 'muted', 'The frame is revealed once the step is answered or skipped.');
    }
    paint();
    (field || next || {focus() {}}).focus({preventScroll: true});
    const shown = field ? field.parentNode : next;   // the field and its buttons, or "next step"
    if (shown) shown.scrollIntoView({block: 'nearest'});
  }
  document.addEventListener('pagestep', (e) => { index = e.detail.index; render(); });
  document.addEventListener('DOMContentLoaded', score);
  if (document.readyState !== 'loading') score();
})();
"""


def _question(q, session: Practice) -> dict[str, Any]:
    return {
        "prompt": q.long_prompt.strip(),  # each question is shown once on the page: with how to type it
        "what": q.what,
        "expected": q.expected,
        "hints": list(q.hints),
        "traps": [[target, name] for target, name in session.traps(q)],
    }


def _edge_questions(
    explanation,
) -> tuple[list[list[dict[str, Any]]], list[str], dict[str, float], list[str], dict[str, str]]:
    """Per explain step: practice's questions for it ([] for a step into a constant), an intro line;
    then every way to type a name (with its value), the names to list, and the shown names' spellings."""
    session = Practice(explanation.root)
    questions: list[list[dict[str, Any]]] = [[] for _ in explanation.steps]
    intros = [""] * len(explanation.steps)
    for q in session.questions:
        questions[q.step.index].append(_question(q, session))
        if q.header:
            intros[q.step.index] = q.header.split(": ", 1)[1]
    names = {name: v.data for name, v in session.spellings.items()}
    return questions, intros, names, list(session.variables), session.as_shown


def _neuron_question(answer: dict[str, Any]) -> dict[str, Any]:
    what, value = answer["what"], answer["value"]
    return {
        "prompt": f"{what} = ?",
        "what": what,
        "expected": value,
        "hints": [
            f"the rule: {answer['rule']}",
            f"put in the numbers: {answer['numbers']}",
            f"the answer: {what} = {num(value)}",
        ],
        "traps": [
            [target, name]
            for target, name in [(-value, "wrong sign"), *answer.get("slips", [])]
            if not matches(value, target)
        ],
    }


def practice_page(
    explanation, *, model=None, level: str = "edge", sample: str = "", max_steps: int | None = None
) -> str:
    """The practice page's HTML (``Explanation.to_html(path, practice=True)`` writes it)."""
    if level == "edge":
        from tinygrad_like.graph_page import edge_parts

        parts = edge_parts(explanation, model=model, sample=sample, max_steps=max_steps)
        questions, intros, names, listed, shown_as = _edge_questions(explanation)
        shown = html.escape(", ".join(listed[:8]))
        how = f"a number, or an expression in the graph's names ({shown})"
    elif level == "neuron":
        from tinygrad_like.network_page import neuron_parts

        parts = neuron_parts(explanation, model=model, sample=sample)
        questions = [[_neuron_question(a) for a in s["answer"]] for s in parts["steps"]]
        intros = ["with " + "; ".join(a["given"] for a in s["answer"]) for s in parts["steps"]]
        names, listed, shown_as = {}, [], {}
        how = "a number, or arithmetic on numbers (+ - * / **, sigmoid(), tanh(), …)"
    else:
        raise ValueError(f"to_html: level must be 'edge' (one step per edge) or 'neuron', got {level!r}")
    for s, asked, intro in zip(parts["steps"], questions, intros):
        s.pop("answer", None)
        s["practice"], s["intro"] = asked, intro
        s["reveal"], s["set"] = s["set"], []  # the page shows them once the step is done
        s["solution"], s["equation"] = s["equation"], ""
    parts["title"] = "Practice: " + parts["title"]
    parts["lines"] = [
        *parts["lines"],
        f"Your turn: answer each step ({how}); Enter checks, hint asks for the next hint, skip shows "
        'the answer. <span id="score"></span>',
    ]
    calculator = {name: op for name, op in by_parser_name().items() if op.js}  # what the page can compute
    settings = {
        "names": names,
        "listed": listed,
        "shown": shown_as,
        "functions": list(calculator),
        "symbols": {op.symbol: name for name, op in calculator.items() if op.symbol},
        "relative": RELATIVE,
    }
    impl = "{" + ", ".join(f"{json.dumps(name)}: {op.js}" for name, op in calculator.items()) + "}"
    if "</" in impl or "<!--" in impl:
        raise ValueError("an op's js= may not contain '</' or '<!--' (it goes inside a <script> element)")
    # inside <script> nothing may end or comment the element: \u003c is "<" to JavaScript
    literal = json.dumps(settings, ensure_ascii=True).replace("<", "\\u003c")
    script = f"const PRACTICE = {literal};\n{SCRIPT.replace('/*IMPL*/{}', impl)}"
    return page_html(**parts, style=STYLE, script=script)
