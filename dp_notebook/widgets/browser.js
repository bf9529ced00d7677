// Port browser front end: renders the Python state; every text goes through textContent.
// The look comes from render/static/dpn.css (cards, tables, pills, buttons, inputs).
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c == null ? "" : String(c)));
  return node;
}

function show(v) {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(+v.toPrecision(6));
  return String(v);
}

// A table that scrolls sideways; long values end in an ellipsis with the full value on hover.
function table(headers, rows, numeric = []) {
  // a column of numbers (and blanks) is right-aligned, its header too
  const numbers = headers.map((_, i) => numeric.includes(i) || (rows.length > 0 && rows.every((r) => r[i] === null || r[i] === undefined || typeof r[i] === "number")));
  const cell = (tag, v, i) => {
    const text = show(v);
    const num = numbers[i];
    return el(tag, { class: num ? "dpn-num" : undefined, title: text.length > 20 ? text : undefined }, text);
  };
  return el("div", { class: "dpn-scroll" }, el("table", { class: "dpn-table" },
    el("thead", {}, el("tr", {}, ...headers.map((h, i) => cell("th", h, i)))),
    el("tbody", {}, ...rows.map((r) => el("tr", {}, ...r.map((c, i) => cell("td", c, i)))))));
}

function count(n) {
  return typeof n === "number" ? n.toLocaleString("en-US") : show(n);
}

function render({ model, el: root }) {
  const box = el("div", { class: "dpn dpn-browser" });
  const search = el("input", { type: "search", class: "dpn-input", placeholder: "Search products, ports, columns…", "aria-label": "search" });
  search.value = model.get("query");
  let timer = null;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => { model.set("query", search.value); model.save_changes(); }, 120);
  });
  const filterBar = el("div", { class: "dpn-filters" });
  const list = el("div", { class: "dpn-list" });
  const countLine = el("div", { class: "dpn-muted" });
  const right = el("div", { class: "dpn-right" });
  box.append(el("div", { class: "dpn-left" }, search, filterBar, countLine, list), right);
  root.append(box);

  function renderFilters() {
    filterBar.replaceChildren();
    const facets = model.get("facets") || {};
    const current = model.get("filters") || {};
    for (const [name, values] of Object.entries({ ...facets, pii: ["yes", "no"] })) {
      if (!values.length) continue;
      const sel = el("select", { class: "dpn-input", "aria-label": name }, el("option", { value: "" }, `${name}: any`), ...values.map((v) => el("option", { value: v }, v)));
      sel.value = current[name] || "";
      sel.addEventListener("change", () => {
        model.set("filters", { ...(model.get("filters") || {}), [name]: sel.value });
        model.save_changes();
      });
      filterBar.append(sel);
    }
  }

  function renderList() {
    const rows = model.get("rows") || [];
    const total = model.get("total");
    countLine.textContent = total > rows.length ? `${count(total)} ports (first ${rows.length} shown)` : `${count(total)} port${total === 1 ? "" : "s"}`;
    const loading = model.get("loading");
    if (loading) countLine.textContent += ` · ${loading}`;
    if (!rows.length) {
      list.replaceChildren(el("div", { class: "dpn-empty" }, search.value ? `No port matches “${search.value}”.` : "No ports match these filters."));
      return;
    }
    list.replaceChildren(...rows.map((r) => {
      const item = el("div", { class: "dpn-item" + (r.key === model.get("selected") ? " dpn-sel" : ""), "data-key": r.key },
        el("b", {}, r.port), " ", el("span", { class: "dpn-muted" }, r.product), " ",
        r.pii ? el("span", { class: "dpn-badge dpn-pii" }, "PII") : "",
        el("div", { class: "dpn-muted", title: r.description || "" }, r.description));
      item.addEventListener("click", () => { model.set("selected", r.key); model.save_changes(); });
      return item;
    }));
  }

  function renderDetail() {
    right.replaceChildren();
    const err = model.get("error");
    if (err) right.append(el("div", { class: "dpn-badge dpn-fail" }, err));
    const d = model.get("detail") || {};
    if (!d.port) { right.append(el("div", { class: "dpn-empty" }, "Select a port to see its schema, contract and a preview.")); return; }
    const p = d.port, prod = d.product || {};
    const roles = (p.rolesAllowed || []).join(", ") || "everyone";
    right.append(el("h3", {}, `${prod.title || prod.id} · ${p.id}`),
      el("div", { class: "dpn-muted" }, `owner ${prod.owner || "-"} · `, el("code", {}, p.location), ` · contract ${p.contractId} · roles ${roles}`),
      el("p", {}, p.description || ""));
    const checks = d.checks || {};
    const status = el("div", { class: "dpn-row" });
    if (checks.total) {
      const kind = checks.result === "passed" ? "dpn-ok" : checks.result === "warning" ? "dpn-warn" : "dpn-fail";
      status.append(el("span", { class: "dpn-badge " + kind }, `tests ${checks.passed}/${checks.total} ${checks.result}`));
    }
    if (prod.published_at) {
      const when = new Date(prod.published_at);
      status.append(el("span", { class: "dpn-muted", title: isNaN(when) ? prod.published_at : when.toISOString().replace("T", " ").slice(0, 19) + " UTC" },
        `published ${isNaN(when) ? prod.published_at : when.toLocaleString()}`));
    }
    if (!d.access) status.append(el("span", { class: "dpn-badge dpn-warn", title: `readable by: ${roles}` }, "your role may not read this port"));
    right.append(status);
    const snippet = el("code", {}, d.snippet || "");
    const copy = el("button", { type: "button", class: "dpn-button" }, "Copy use cell");
    copy.addEventListener("click", async () => {
      try { await navigator.clipboard.writeText(d.snippet); copy.textContent = "Copied"; } catch (e) { copy.textContent = "Select the text to copy"; }
    });
    right.append(el("div", { class: "dpn-snippet" }, copy, snippet));
    if (d.docs) {
      const local = d.docs.startsWith("file:");
      right.append(el("div", {}, el("a", {
        href: d.docs, target: "_blank", rel: "noopener",
        class: local ? "dpn-docs-link" : undefined,
        "data-dpn-product": local ? prod.id : undefined, "data-dpn-source": local ? "catalog" : undefined,
        "data-dpn-file": local ? decodeURIComponent(d.docs.split("/").pop()) : undefined,
      }, "Open the product's documentation page")));
    }
    right.append(el("h4", {}, "Schema"), table(["column", "type", "classification", "PII"], (p.columns || []).map((c) => [c.name, c.type, c.classification || "", c.pii ? "PII" : ""])));
    const pv = model.get("preview_data") || {};
    if (pv.note) right.append(el("div", { class: "dpn-muted" }, pv.note));
    if (pv.columns) {
      right.append(el("h4", {}, `Preview: ${pv.rows.length} of ${count(pv.row_count)} rows` + (pv.masked && pv.masked.length ? ` (masked: ${pv.masked.join(", ")})` : "")),
        table(pv.columns, pv.rows), el("h4", {}, "Column statistics"),
        table(["column", "type", "min", "max", "distinct (≈)", "null %"], (pv.stats || []).map((s) => [
          s.column, s.type, s.min, s.max,
          // HyperLogLog estimates can exceed the row count: never show more distinct values than rows
          typeof s.approx_distinct === "number" && typeof pv.row_count === "number" ? Math.min(s.approx_distinct, pv.row_count) : s.approx_distinct,
          s.null_percent === null || s.null_percent === undefined ? "" : `${+Number(s.null_percent).toFixed(2)}%`,
        ]), [4, 5]));
    }
  }

  renderFilters(); renderList(); renderDetail();
  model.on("change:rows", renderList);
  model.on("change:total", renderList);
  model.on("change:loading", renderList);
  model.on("change:facets", renderFilters);
  model.on("change:selected", renderList);
  model.on("change:detail", renderDetail);
  model.on("change:preview_data", renderDetail);
  model.on("change:error", renderDetail);
}

export default { render };
