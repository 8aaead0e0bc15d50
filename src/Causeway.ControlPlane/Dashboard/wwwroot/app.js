// Causeway's mesh view: polls /api/graph, lays the graph out in layers (callers left, callees right) and draws it
// as SVG. The layout is recomputed only when the set of nodes and edges changes, so the picture stays still while
// the numbers move. No library: a layered layout of a few hundred nodes is a few dozen lines.
"use strict";

const POLL_MS = 2000;
const COLUMN_GAP = 330, ROW_GAP = 60, MAX_PER_COLUMN = 40, MARGIN = 90;
const svgNS = "http://www.w3.org/2000/svg";
const graphEl = document.getElementById("graph");
let graph = null, layout = null, layoutKey = "", selected = null, detailsFor = null;

function el(name, attrs, parent) {
  const e = document.createElementNS(svgNS, name);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

function html(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

// Each connected part of the mesh is laid out on its own, then the parts are packed in rows (largest first), so 200
// unrelated services read as 200 small pictures instead of one tangle.
function computeFullLayout(nodes, edges) {
  const parent = new Map(nodes.map(n => [n.id, n.id]));
  const root = id => { while (parent.get(id) !== id) { parent.set(id, parent.get(parent.get(id))); id = parent.get(id); } return id; };
  for (const e of edges) if (parent.has(e.from) && parent.has(e.to)) parent.set(root(e.from), root(e.to));
  const groups = new Map();
  for (const n of nodes) { const r = root(n.id); if (!groups.has(r)) groups.set(r, { nodes: [], edges: [] }); groups.get(r).nodes.push(n); }
  for (const e of edges) if (parent.has(e.from)) groups.get(root(e.from)).edges.push(e);
  const parts = [...groups.values()].map(g => computeLayout(g.nodes, g.edges)).sort((a, b) => b.size - a.size);
  const rowWidth = Math.max(graphEl.parentElement.clientWidth - 20, ...parts.map(p => p.width));
  const at = new Map();
  let x = 0, y = 0, rowHeight = 0, width = 0;
  for (const part of parts) {
    if (x > 0 && x + part.width > rowWidth) { x = 0; y += rowHeight; rowHeight = 0; }
    for (const [id, p] of part.at) at.set(id, { x: p.x + x, y: p.y + y });
    x += part.width;
    rowHeight = Math.max(rowHeight, part.height);
    width = Math.max(width, x);
  }
  return { at, width: width + 20, height: y + rowHeight + 30 };
}

// Layers by longest path from the callers, after removing the edges that close a cycle (found by depth-first search).
function computeLayout(nodes, edges) {
  const ids = nodes.map(n => n.id);
  const out = new Map(ids.map(id => [id, []])), inc = new Map(ids.map(id => [id, []]));
  for (const e of edges) if (out.has(e.from) && out.has(e.to) && e.from !== e.to) { out.get(e.from).push(e.to); inc.get(e.to).push(e.from); }
  const state = new Map(), back = new Set();
  const visit = start => {
    const stack = [[start, 0]];
    state.set(start, 1);
    while (stack.length) {
      const top = stack[stack.length - 1], next = out.get(top[0])[top[1]++];
      if (next === undefined) { state.set(top[0], 2); stack.pop(); continue; }
      if (state.get(next) === 1) back.add(top[0] + "\u0000" + next);
      else if (!state.has(next)) { state.set(next, 1); stack.push([next, 0]); }
    }
  };
  for (const id of ids) if (inc.get(id).length === 0 && !state.has(id)) visit(id);
  for (const id of ids) if (!state.has(id)) visit(id);
  const keep = (a, b) => !back.has(a + "\u0000" + b);
  const indeg = new Map(ids.map(id => [id, inc.get(id).filter(p => keep(p, id)).length]));
  const rank = new Map(ids.map(id => [id, 0]));
  const queue = ids.filter(id => indeg.get(id) === 0);
  while (queue.length) {
    const id = queue.shift();
    for (const next of out.get(id)) {
      if (!keep(id, next)) continue;
      rank.set(next, Math.max(rank.get(next), rank.get(id) + 1));
      indeg.set(next, indeg.get(next) - 1);
      if (indeg.get(next) === 0) queue.push(next);
    }
  }
  const layers = [];
  for (const id of ids) (layers[rank.get(id)] ||= []).push(id);
  // Fewer crossings: order each layer by the mean position of its neighbours, a few sweeps each way.
  const pos = new Map();
  layers.forEach(l => l.forEach((id, i) => pos.set(id, i)));
  const mean = (list, fallback) => list.length ? list.reduce((s, x) => s + pos.get(x), 0) / list.length : fallback;
  for (let sweep = 0; sweep < 4; sweep++) {
    const order = sweep % 2 === 0 ? layers.slice(1) : layers.slice(0, -1).reverse();
    for (const layer of order) {
      const keyOf = new Map(layer.map(id => [id, mean(sweep % 2 === 0 ? inc.get(id) : out.get(id), pos.get(id))]));
      layer.sort((a, b) => keyOf.get(a) - keyOf.get(b) || (a < b ? -1 : 1));
      layer.forEach((id, i) => pos.set(id, i));
    }
  }
  // A layer taller than MAX_PER_COLUMN wraps into several columns, so a big mesh stays on a screen's height.
  const at = new Map();
  let x = MARGIN, height = 0;
  for (const layer of layers) {
    if (!layer) continue;
    const columns = Math.ceil(layer.length / MAX_PER_COLUMN);
    layer.forEach((id, i) => {
      const column = Math.floor(i / MAX_PER_COLUMN), row = i % MAX_PER_COLUMN;
      at.set(id, { x: x + column * 200, y: MARGIN / 2 + row * ROW_GAP });
      height = Math.max(height, MARGIN + row * ROW_GAP);
    });
    x += (columns - 1) * 200 + COLUMN_GAP;
  }
  return { at, width: x - COLUMN_GAP + 110, height: height + 10, size: ids.length };
}

function edgeClass(e) {
  if (e.rps <= 0) return "idle";
  return e.errorRate >= 0.2 ? "bad" : e.errorRate >= 0.01 ? "warn" : "ok";
}

function fmt(n, digits) { return n === null || n === undefined ? "–" : Number(n).toFixed(digits); }

function edgeLabel(e) {
  if (e.rps <= 0) return "";
  let s = `${fmt(e.rps, e.rps < 10 ? 1 : 0)} rps`;
  if (e.errorRate > 0) s += ` · ${fmt(e.errorRate * 100, 0)}% err`;
  if (e.p99 !== null) s += ` · p99 ${fmt(e.p99, 0)} ms`;
  if (e.security === "mtls") s += " · 🔒";
  return s;
}

// The node and edge groups live as long as the layout: each poll repaints their contents in place, so a click or a
// hover on a node is never lost to a redraw.
let nodeEls = new Map(), edgeEls = new Map(), drawnKey = "";

function draw() {
  const showIdle = document.getElementById("idle").checked;
  const edges = graph.edges.filter(e => showIdle || e.rps > 0 || !e.configured);
  const key = graph.nodes.map(n => n.id).join("|") + "#" + graph.edges.map(e => e.from + ">" + e.to).join("|");
  if (key !== layoutKey) { layout = computeFullLayout(graph.nodes, graph.edges); layoutKey = key; }
  const shown = key + "#" + edges.length;
  if (shown !== drawnKey) build(edges);
  drawnKey = shown;
  const maxRps = Math.max(1, ...edges.map(e => e.rps));
  for (const e of edges) paintEdge(edgeEls.get(e.from + ">" + e.to), e, maxRps);
  for (const n of graph.nodes) paintNode(nodeEls.get(n.id), n);
}

function build(edges) {
  graphEl.replaceChildren();
  graphEl.setAttribute("width", layout.width);
  graphEl.setAttribute("height", layout.height);
  const defs = el("defs", {}, graphEl);
  for (const c of ["ok", "warn", "bad", "idle"]) {
    const m = el("marker", { id: "arrow-" + c, viewBox: "0 0 10 10", refX: 10, refY: 5, markerUnits: "userSpaceOnUse", markerWidth: 10, markerHeight: 10, orient: "auto-start-reverse" }, defs);
    el("path", { d: "M0,0 L10,5 L0,10 z", fill: { ok: "#2e8540", warn: "#d98c00", bad: "#c62828", idle: "#aab" }[c] }, m);
  }
  const edgeLayer = el("g", { id: "edges" }, graphEl), nodeLayer = el("g", { id: "nodes" }, graphEl);
  edgeEls = new Map();
  nodeEls = new Map();
  for (const e of edges) {
    const a = layout.at.get(e.from), b = layout.at.get(e.to);
    const g = el("g", { "data-from": e.from, "data-to": e.to }, edgeLayer);
    const x1 = a.x + 70, y1 = a.y, x2 = b.x - 70, y2 = b.y, mid = (x1 + x2) / 2;
    const d = x2 > x1 ? `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}` : `M${x1},${y1} C${x1 + 80},${y1 - 60} ${x2 - 80},${y2 - 60} ${x2},${y2}`;
    // the label sits two thirds along the curve, where edges fanning out of one node have already parted
    const t = 0.66, u = 1 - t, at = (p0, p1, p2, p3) => u * u * u * p0 + 3 * u * u * t * p1 + 3 * u * t * t * p2 + t * t * t * p3;
    const [c1, c2, c3, c4] = x2 > x1 ? [x1, mid, mid, x2] : [x1, x1 + 80, x2 - 80, x2];
    const [d1, d2, d3, d4] = x2 > x1 ? [y1, y1, y2, y2] : [y1, y1 - 60, y2 - 60, y2];
    const parts = { g, path: el("path", { d }, g), title: el("title", {}, g), text: el("text", { x: at(c1, c2, c3, c4), y: at(d1, d2, d3, d4) - 6, "text-anchor": "middle" }, g) };
    edgeEls.set(e.from + ">" + e.to, parts);
  }
  for (const n of graph.nodes) {
    const p = layout.at.get(n.id);
    const g = el("g", { transform: `translate(${p.x},${p.y})`, "data-id": n.id }, nodeLayer);
    g.addEventListener("click", () => select(n.id));
    nodeEls.set(n.id, g);
  }
}

function paintEdge(parts, e, maxRps) {
  const cls = edgeClass(e);
  parts.g.setAttribute("class", "edge " + cls);
  parts.g.dataset.rps = e.rps;
  parts.g.dataset.errorRate = e.errorRate;
  parts.path.setAttribute("stroke-width", e.rps > 0 ? 1.5 + 4 * e.rps / maxRps : 1.2);
  parts.path.setAttribute("marker-end", `url(#arrow-${cls})`);
  parts.title.textContent = `${e.from} → ${e.to}\n${edgeLabel(e) || "no traffic in the window"}` + (e.p50 !== null ? ` · p50 ${fmt(e.p50, 1)} ms` : "") +
    (Object.keys(e.flags).length ? "\nflags: " + Object.entries(e.flags).map(([f, n]) => `${f}×${n}`).join(", ") : "");
  parts.text.textContent = edgeLabel(e);
}

function paintNode(g, n) {
  g.setAttribute("class", `node ${n.kind}${n.proxy === "nack" ? " nack" : ""}${selected === n.id ? " selected" : ""}`);
  g.dataset.kind = n.kind;
  g.dataset.problems = n.problems.length;
  g.replaceChildren();
  if (n.kind === "workload") el("circle", { r: 16 }, g);
  else if (n.kind === "gateway") el("polygon", { points: "0,-18 22,0 0,18 -22,0" }, g);
  else el("rect", { x: -68, y: -15, width: 136, height: 30, rx: 6 }, g);
  el("text", { "text-anchor": "middle", y: n.kind === "workload" || n.kind === "gateway" ? 32 : 4 }, g).textContent = n.label;
  el("title", {}, g).textContent = `${n.kind} ${n.id}` + (n.problems.length ? "\n" + n.problems.map(x => `${x.code} ${x.message}`).join("\n") : "");
  if (n.problems.length) {
    const b = el("g", { class: "badge", transform: n.kind === "service" || n.kind === "external" ? "translate(66,-14)" : "translate(16,-16)" }, g);
    el("circle", { r: 8 }, b);
    el("text", { "text-anchor": "middle", y: 3.5 }, b).textContent = n.problems.length;
  }
}

function drawProblems() {
  const list = document.getElementById("problem-list");
  list.replaceChildren();
  const all = graph.meshProblems.map(p => [p, null]);
  for (const n of graph.nodes) for (const p of n.problems) all.push([p, n]);
  if (!all.length) { list.appendChild(html("li", "none: every resource loaded and no analyzer has anything to say.", "hint")); return; }
  for (const [p, n] of all) {
    const li = html("li", undefined, "problem " + p.severity);
    li.dataset.code = p.code;
    li.appendChild(html("span", p.code, "code"));
    li.append(` ${p.resource ? p.resource + ": " : ""}${p.message} `);
    if (p.where) li.appendChild(html("span", p.where, "where"));
    if (n) { li.append(" → "); const a = html("a", n.label); a.href = "#"; a.onclick = ev => { ev.preventDefault(); select(n.id); }; li.appendChild(a); }
    list.appendChild(li);
  }
}

function select(id) {
  selected = id;
  draw();
  showDetails(id);
}

// The side panel is rebuilt off-screen and swapped in whole, so a refresh on each poll never flickers.
async function showDetails(id) {
  const node = graph.nodes.find(n => n.id === id);
  if (!node) return;
  const box = html("section");
  box.id = "details";
  box.setAttribute("aria-label", "selection");
  box.appendChild(html("h2", `${node.kind} ${node.label}`));
  box.dataset.id = id;
  if (node.namespace) box.appendChild(html("p", `namespace ${node.namespace}${node.version ? ", version " + node.version : ""}${node.proxy ? ", proxy " + node.proxy : ""}`));
  const inOut = graph.edges.filter(e => (e.from === id || e.to === id) && e.rps > 0);
  if (inOut.length) {
    box.appendChild(html("h3", "Traffic (last " + graph.windowSeconds + " s)"));
    const ul = html("ul");
    for (const e of inOut) ul.appendChild(html("li", `${e.from === id ? "→ " + e.to : "← " + e.from}: ${edgeLabel(e)}${e.p50 !== null ? ` (p50 ${fmt(e.p50, 1)} ms)` : ""}${e.security !== "unknown" ? ", " + e.security : ""}`));
    box.appendChild(ul);
  }
  problemsInto(box, node.problems);
  detailsFor = id;
  if (node.kind === "service" || node.kind === "external") {
    const r = await fetch("/api/service?host=" + encodeURIComponent(id.slice(4)));
    if (r.ok) serviceInto(box, await r.json());
  }
  if (detailsFor === id) document.getElementById("details").replaceWith(box);
}

function serviceInto(box, s) {
  box.appendChild(html("p", "ports: " + s.ports.join(", ")));
  for (const [title, list] of [["VirtualServices", s.virtualServices], ["DestinationRules", s.destinationRules]]) {
    box.appendChild(html("h3", title));
    if (!list.length) box.appendChild(html("p", "none", "hint"));
    for (const c of list) {
      const p = html("p", undefined, "config");
      p.append(`${c.namespace ? c.namespace + "/" : ""}${c.name} `);
      p.appendChild(html("span", c.where, "where"));
      box.appendChild(p);
      if (c.summary.length) { const ul = html("ul"); c.summary.forEach(x => ul.appendChild(html("li", x))); box.appendChild(ul); }
    }
  }
  box.appendChild(html("h3", "Subsets and endpoints"));
  const table = html("table");
  table.appendChild(rowOf(["subset", "endpoint", "workload", "health"], "th"));
  for (const sub of s.subsets) for (const e of sub.endpoints) {
    const verdict = !e.ready ? ["not ready", "status-bad"] : e.ejectedBy.length ? ["ejected by " + e.ejectedBy.join(", "), "status-bad"]
      : e.unhealthyIn.length ? ["unhealthy in " + e.unhealthyIn.join(", "), "status-bad"] : [e.healthyIn ? `healthy in ${e.healthyIn} proxies` : "ready", "status-ok"];
    const tr = rowOf([sub.name, e.address, e.workload, verdict[0]], "td");
    tr.lastChild.className = verdict[1];
    table.appendChild(tr);
  }
  box.appendChild(table);
  box.appendChild(html("h3", "Response flags (last " + graph.windowSeconds + " s)"));
  if (!s.flags.length) box.appendChild(html("p", "none", "hint"));
  const ul = html("ul");
  for (const f of s.flags) {
    const li = html("li", undefined, "flag-row");
    li.dataset.flag = f.flag;
    li.appendChild(html("span", f.flag, "flag"));
    li.append(` ×${f.requests}: ${f.meaning}${f.look ? " Look at: " + f.look : ""}`);
    ul.appendChild(li);
  }
  box.appendChild(ul);
}

function rowOf(cells, tag) { const tr = html("tr"); cells.forEach(c => tr.appendChild(html(tag, c))); return tr; }

function problemsInto(box, problems) {
  if (!problems.length) return;
  box.appendChild(html("h3", "Problems"));
  const ul = html("ul");
  for (const p of problems) {
    const li = html("li", undefined, "problem " + p.severity);
    li.dataset.code = p.code;
    li.appendChild(html("span", p.code, "code"));
    li.append(` ${p.message} `);
    if (p.where) li.appendChild(html("span", p.where, "where"));
    ul.appendChild(li);
  }
  box.appendChild(ul);
}

async function poll() {
  try {
    const r = await fetch("/api/graph", { cache: "no-store" });
    graph = await r.json();
    const rps = graph.edges.filter(e => e.from.startsWith("wl:") || e.from === "wl:unknown").reduce((s, e) => s + e.rps, 0);
    const problems = graph.meshProblems.length + graph.nodes.reduce((s, n) => s + n.problems.length, 0);
    document.getElementById("summary").textContent =
      `config generation ${graph.generation} · ${graph.nodes.length} nodes · ${fmt(rps, 1)} rps · ${problems} problem${problems === 1 ? "" : "s"}`;
    document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
    document.body.dataset.generation = graph.generation;
    draw();
    drawProblems();
    // when the first graph was on screen, from navigation start: what the 200-service test reports
    document.body.dataset.firstDrawnMs ||= Math.round(performance.now());
    if (selected) await showDetails(selected);
  } catch (err) {
    document.getElementById("updated").textContent = "control plane unreachable: " + err.message;
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

document.getElementById("idle").addEventListener("change", () => graph && draw());
poll();
