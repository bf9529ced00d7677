// Sortable result tables: click a header to sort (again to reverse; the arrow shows the order).
// Values are formatted as people read them (counts, durations, bytes, money, times with UTC on
// hover); text only via textContent. Charts are our own SVG (data URIs from Python), drawn inline
// so that they take the notebook's theme and font.
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, v);
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c == null ? "" : String(c)));
  return node;
}

const STATUS = { passed: ["dpn-ok", "passed"], warning: ["dpn-warn", "warning"], failed: ["dpn-fail", "FAILED"] };

function num(v, digits = 3) {
  if (Number.isInteger(v)) return v.toLocaleString("en-US");
  const a = Math.abs(v);
  if (a >= 10 ** (digits - 1)) return Math.round(v).toLocaleString("en-US");
  return String(+v.toPrecision(digits));
}

function duration(s) {
  if (s < 1) return s * 1000 < 1 ? "< 1 ms" : `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${+s.toPrecision(2)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

function bytes(n) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (Math.abs(n) >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return i === 0 ? `${n} B` : `${num(n)} ${units[i]}`;
}

function money(v, currency) {
  // cents as usual; below a cent three significant digits, never "4.98e-7"
  const text = Math.abs(v) >= 0.01 || v === 0 ? v.toFixed(2) : v.toFixed(Math.min(20, 2 - Math.floor(Math.log10(Math.abs(v))))).replace(/0+$/, "");
  return `${text} ${currency || ""}`.trim();
}

// [text, title, className, sortKey] of one cell
function cell(value, kind, spec) {
  if (value === null || value === undefined || value === "") return ["", "", "", null];
  if (kind === "status") { const [cls, word] = STATUS[value] || ["", String(value)]; return [word, "", cls, { failed: 0, warning: 1, passed: 2 }[value] ?? 3]; }
  if (kind === "time") {
    const t = new Date(value);
    if (isNaN(t)) return [String(value), "", "", String(value)];
    return [t.toLocaleString(), t.toISOString().replace("T", " ").slice(0, 19) + " UTC", "", t.getTime()];
  }
  if (typeof value === "number") {
    const text = kind === "percent" ? `${num(value)}%` : kind === "duration" ? duration(value) : kind === "bytes" ? bytes(value)
      : kind === "money" ? money(value, spec.currency) : num(value, 6);
    return [text, text === String(value) ? "" : String(value), "dpn-num", value];
  }
  const text = String(value);
  return [text, text.length > 24 ? text : "", "", text];
}

function sortableTable(spec) {
  let key = -1, asc = true;
  const kinds = spec.kinds || {};
  const rows = spec.rows.map((r) => r.map((v, i) => cell(v, kinds[spec.columns[i]], spec)));
  const tbody = el("tbody");
  const ths = [];
  const draw = () => {
    const sorted = [...rows];
    if (key >= 0) sorted.sort((a, b) => {
      const x = a[key][3], y = b[key][3];
      const cmp = x === null ? 1 : y === null ? -1 : typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
      return asc ? cmp : -cmp;
    });
    ths.forEach((th, i) => th.setAttribute("aria-sort", i === key ? (asc ? "ascending" : "descending") : "none"));
    tbody.replaceChildren(...sorted.map((r) => el("tr", { class: r.some((c) => c[2] === "dpn-fail") ? "dpn-row-fail" : r.some((c) => c[2] === "dpn-warn") ? "dpn-row-warn" : undefined },
      ...r.map(([text, title, cls]) => cls === "dpn-ok" || cls === "dpn-fail" || cls === "dpn-warn"
        ? el("td", {}, el("span", { class: `dpn-badge ${cls}` }, text))
        : el("td", { class: cls || undefined, title: title || undefined }, text)))));
  };
  const head = el("tr");
  spec.columns.forEach((name, i) => {
    const th = el("th", { role: "columnheader", tabindex: "0", title: "sort", "aria-sort": "none", class: rows.length && rows.every((r) => r[i][2] === "dpn-num" || r[i][3] === null) ? "dpn-num" : undefined }, name);
    const sort = () => { asc = key === i ? !asc : true; key = i; draw(); };
    th.addEventListener("click", sort);
    th.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
    ths.push(th);
    head.append(th);
  });
  draw();
  return el("div", { class: "dpn-scroll dpn-table-wrap" }, el("table", { class: "dpn-table" }, el("thead", {}, head), tbody));
}

function inlineSvg(uri) {
  const b64 = uri.split(",", 2)[1] || "";
  const text = new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  const svg = doc.documentElement;
  if (svg.nodeName !== "svg" || svg.querySelector("script, foreignObject")) return el("div", { class: "dpn-muted" }, "(chart could not be drawn)");
  return document.importNode(svg, true);
}

function render({ model, el: root }) {
  const box = el("div", { class: "dpn dpn-results" });
  const draw = () => {
    box.replaceChildren(el("h3", {}, model.get("title")));
    for (const t of model.get("tables") || []) {
      box.append(el("h4", {}, `${t.name} `, el("span", { class: "dpn-muted" }, `(${t.rows.length})`)));
      box.append(t.rows.length ? sortableTable(t) : el("div", { class: "dpn-empty" }, "Nothing recorded yet."));
      if (t.name === "Checks" && (model.get("images") || []).length) {
        box.append(el("h4", {}, "SLO trends"), el("div", { class: "dpn-charts" }, ...(model.get("images") || []).map(inlineSvg)));
      }
    }
  };
  draw();
  model.on("change:tables", draw);
  model.on("change:images", draw);
  root.append(box);
}

export default { render };
