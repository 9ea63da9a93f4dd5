// pharos-tsdb's web UI: plain JavaScript over the HTTP API (no libraries).
"use strict";

const main = document.getElementById("main");

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

async function api(path, params, post) {
  const body = new URLSearchParams(params || {});
  const opts = post ? { method: "POST", body: body } : {};
  const url = post || !params ? path : path + "?" + body.toString();
  const r = await fetch(url, opts);
  const j = await r.json();
  if (j.status !== "success") throw new Error((j.errorType || "error") + ": " + j.error);
  return j.data;
}

function labelsText(m) {
  const name = m.__name__ || "";
  const rest = Object.keys(m).filter(k => k !== "__name__").map(k => k + "=" + JSON.stringify(m[k]));
  return name + (rest.length || !name ? "{" + rest.join(", ") + "}" : "");
}

function fmtTime(d) { return new Date(d).toISOString().replace(".000Z", "Z"); }

// ---- /graph ----

function parseDuration(s) {
  const m = /^(\d+)([smhdw])$/.exec(s.trim());
  if (!m) return NaN;
  return +m[1] * { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2]];
}

function graphPage() {
  const q = new URLSearchParams(location.search);
  const expr = el("textarea", { rows: 3, placeholder: "PromQL expression, e.g. rate(prometheus_http_requests_total[5m])" });
  expr.value = q.get("g0.expr") || q.get("expr") || "";
  const range = el("input", { size: 6, title: "range (e.g. 1h)" });
  range.value = q.get("g0.range_input") || "1h";
  const out = el("div");
  let mode = q.get("g0.tab") === "0" ? "graph" : "table";
  const tabTable = el("button", { onclick: () => { mode = "table"; run(); } }, "Table");
  const tabGraph = el("button", { onclick: () => { mode = "graph"; run(); } }, "Graph");
  const exec = el("button", { onclick: () => run() }, "Execute");
  expr.addEventListener("keydown", e => { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); run(); } });
  main.append(expr, el("div", { class: "tabs" }, exec, tabTable, tabGraph, " range ", range), out);

  async function run() {
    tabTable.className = mode === "table" ? "on" : "";
    tabGraph.className = mode === "graph" ? "on" : "";
    out.textContent = "";
    const e = expr.value.trim();
    if (!e) return;
    const p = new URLSearchParams({ "g0.expr": e, "g0.tab": mode === "graph" ? "0" : "1", "g0.range_input": range.value });
    history.replaceState(null, "", "/graph?" + p.toString());
    try {
      if (mode === "table") {
        const d = await api("/api/v1/query", { query: e }, true);
        out.append(resultTable(d));
      } else {
        const secs = parseDuration(range.value) || 3600;
        const end = Date.now() / 1000, start = end - secs;
        const step = Math.max(1, Math.ceil(secs / 250));
        const d = await api("/api/v1/query_range", { query: e, start: start, end: end, step: step }, true);
        out.append(chart(d.result, start, end));
      }
    } catch (err) {
      out.append(el("div", { class: "error" }, err.message));
    }
  }
  if (expr.value) run();
}

function resultTable(d) {
  const t = el("table", {}, el("tr", {}, el("th", {}, "Element"), el("th", {}, "Value")));
  const row = (k, v) => t.append(el("tr", {}, el("td", {}, k), el("td", { class: "num" }, v)));
  if (d.resultType === "scalar" || d.resultType === "string") row("scalar", d.result[1]);
  else if (d.resultType === "vector") d.result.forEach(s => row(labelsText(s.metric), s.value[1]));
  else d.result.forEach(s => row(labelsText(s.metric), s.values.map(v => v[1] + " @" + v[0]).join("\n")));
  if (!d.result.length) row("no data", "");
  return t;
}

const colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

function chart(series, start, end) {
  const W = 900, H = 320, L = 60, B = 24;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", W); svg.setAttribute("height", H);
  let lo = Infinity, hi = -Infinity;
  for (const s of series) for (const [, v] of s.values) { const f = parseFloat(v); if (isFinite(f)) { lo = Math.min(lo, f); hi = Math.max(hi, f); } }
  const wrap = el("div");
  if (!isFinite(lo)) { wrap.append(el("p", { class: "muted" }, "no data")); return wrap; }
  if (lo === hi) { lo -= 1; hi += 1; }
  const x = t => L + (t - start) / (end - start) * (W - L - 10);
  const y = v => 10 + (hi - v) / (hi - lo) * (H - B - 20);
  const line = (x1, y1, x2, y2, c) => { const l = document.createElementNS(ns, "line"); l.setAttribute("x1", x1); l.setAttribute("y1", y1); l.setAttribute("x2", x2); l.setAttribute("y2", y2); l.setAttribute("stroke", c); svg.append(l); };
  const text = (tx, ty, s, anchor) => { const t = document.createElementNS(ns, "text"); t.setAttribute("x", tx); t.setAttribute("y", ty); t.setAttribute("font-size", "11"); t.setAttribute("text-anchor", anchor || "end"); t.textContent = s; svg.append(t); };
  for (let i = 0; i <= 4; i++) { const v = lo + (hi - lo) * i / 4; line(L, y(v), W - 10, y(v), "#eee"); text(L - 4, y(v) + 4, +v.toPrecision(4)); }
  for (let i = 0; i <= 4; i++) { const t = start + (end - start) * i / 4; text(x(t), H - 6, new Date(t * 1000).toISOString().substr(11, 5), "middle"); }
  const legend = el("div", { class: "legend" });
  series.slice(0, 50).forEach((s, i) => {
    const c = colors[i % colors.length];
    let d = "", prev = null;
    for (const [t, v] of s.values) {
      const f = parseFloat(v);
      if (!isFinite(f)) { prev = null; continue; }
      d += (prev === null || t - prev > 3 * (end - start) / 250 + 1 ? "M" : "L") + x(t).toFixed(1) + "," + y(f).toFixed(1);
      prev = t;
    }
    const p = document.createElementNS(ns, "path");
    p.setAttribute("d", d); p.setAttribute("fill", "none"); p.setAttribute("stroke", c); p.setAttribute("stroke-width", "1.5");
    svg.append(p);
    legend.append(el("span", { style: "color:" + c }, labelsText(s.metric)));
  });
  wrap.append(svg, legend);
  if (series.length > 50) wrap.append(el("p", { class: "muted" }, "showing 50 of " + series.length + " series"));
  return wrap;
}

// ---- /targets ----

async function targetsPage() {
  const d = await api("/api/v1/targets", { state: "active" });
  const pools = {};
  for (const t of d.activeTargets) (pools[t.scrapePool] = pools[t.scrapePool] || []).push(t);
  if (!d.activeTargets.length) main.append(el("p", { class: "muted" }, "no targets"));
  for (const pool of Object.keys(pools).sort()) {
    const ts = pools[pool];
    const up = ts.filter(t => t.health === "up").length;
    main.append(el("h2", {}, pool + " (" + up + "/" + ts.length + " up)"));
    const tb = el("table", {}, el("tr", {}, ...["Endpoint", "State", "Labels", "Last scrape", "Scrape duration", "Error"].map(h => el("th", {}, h))));
    for (const t of ts) {
      const ago = t.lastScrape.startsWith("0001") ? "never" : ((Date.now() - Date.parse(t.lastScrape)) / 1000).toFixed(1) + "s ago";
      tb.append(el("tr", {},
        el("td", {}, el("a", { href: t.scrapeUrl }, t.scrapeUrl)),
        el("td", { class: t.health }, t.health.toUpperCase()),
        el("td", {}, labelsText(t.labels)),
        el("td", {}, ago),
        el("td", { class: "num" }, (t.lastScrapeDuration * 1000).toFixed(1) + "ms"),
        el("td", { class: "error" }, t.lastError)));
    }
    main.append(tb);
  }
}

// ---- /alerts ----

async function alertsPage() {
  const [rules, alerts] = await Promise.all([api("/api/v1/rules"), api("/api/v1/alerts")]);
  main.append(el("h2", {}, "Alerts (" + alerts.alerts.length + ")"));
  if (!alerts.alerts.length) main.append(el("p", { class: "muted" }, "no alerts; rules are evaluated by pharos-alerter when one is configured"));
  const tb = el("table", {}, el("tr", {}, ...["Labels", "State", "Active since", "Value"].map(h => el("th", {}, h))));
  for (const a of alerts.alerts) tb.append(el("tr", {}, el("td", {}, labelsText(a.labels)), el("td", {}, a.state), el("td", {}, a.activeAt || ""), el("td", { class: "num" }, a.value)));
  if (alerts.alerts.length) main.append(tb);
  for (const g of rules.groups) {
    main.append(el("h2", {}, g.name + " (" + g.file + ")"));
    const rt = el("table", {}, el("tr", {}, ...["Rule", "Query", "Health", "State"].map(h => el("th", {}, h))));
    for (const r of g.rules) rt.append(el("tr", {}, el("td", {}, r.name), el("td", {}, r.query), el("td", {}, r.health), el("td", {}, r.state || r.type)));
    main.append(rt);
  }
}

// ---- /status ----

function kvTable(obj) {
  const t = el("table");
  for (const [k, v] of Object.entries(obj)) t.append(el("tr", {}, el("th", {}, k), el("td", {}, typeof v === "object" ? JSON.stringify(v) : String(v))));
  return t;
}

async function statusPage() {
  const [build, runtime, flags, tsdb] = await Promise.all([
    api("/api/v1/status/buildinfo"), api("/api/v1/status/runtimeinfo"),
    api("/api/v1/status/flags"), api("/api/v1/status/tsdb")]);
  main.append(el("h2", {}, "Runtime"), kvTable(runtime), el("h2", {}, "Build"), kvTable(build));
  main.append(el("h2", {}, "Storage"), kvTable(tsdb.headStats));
  for (const k of ["seriesCountByMetricName", "labelValueCountByLabelName", "memoryInBytesByLabelName", "seriesCountByLabelValuePair"]) {
    const t = el("table", {}, el("tr", {}, el("th", {}, "Name"), el("th", {}, "Count")));
    for (const c of tsdb[k] || []) t.append(el("tr", {}, el("td", {}, c.name), el("td", { class: "num" }, c.value)));
    main.append(el("h2", {}, k), t);
  }
  main.append(el("h2", {}, "Flags"), kvTable(flags));
}

const pages = { "/graph": graphPage, "/targets": targetsPage, "/alerts": alertsPage, "/status": statusPage };
const page = pages[location.pathname] || graphPage;
const nav = document.getElementById("nav-" + location.pathname.slice(1));
if (nav) nav.className = "active";
Promise.resolve(page()).catch(err => main.append(el("div", { class: "error" }, err.message)));
