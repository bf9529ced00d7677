// Port browser front end: renders the Python state; every text goes through textContent.
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c == null ? "" : String(c)));
  return node;
}

function table(headers, rows) {
  return el("table", {}, el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", {}, h)))),
    el("tbody", {}, ...rows.map((r) => el("tr", {}, ...r.map((c) => el("td", {}, c))))));
}

function render({ model, el: root }) {
  const box = el("div", { class: "dpn-browser" });
  const search = el("input", { type: "search", placeholder: "Search products, ports, columns…", "aria-label": "search" });
  search.value = model.get("query");
  let timer = null;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => { model.set("query", search.value); model.save_changes(); }, 120);
  });
  const filterBar = el("div");
  const list = el("div", { class: "dpn-list" });
  const count = el("div", { class: "dpn-muted" });
  const right = el("div", { class: "dpn-right" });
  box.append(el("div", { class: "dpn-left" }, search, filterBar, count, list), right);
  root.append(box);

  function renderFilters() {
    filterBar.replaceChildren();
    const facets = model.get("facets") || {};
    const current = model.get("filters") || {};
    for (const [name, values] of Object.entries({ ...facets, pii: ["yes", "no"] })) {
      const sel = el("select", { "aria-label": name }, el("option", { value: "" }, `${name}: any`), ...values.map((v) => el("option", { value: v }, v)));
      sel.value = current[name] || "";
      sel.addEventListener("change", () => {
        model.set("filters", { ...(model.get("filters") || {}), [name]: sel.value });
        model.save_changes();
      });
      filterBar.append(sel, " ");
    }
  }

  function renderList() {
    const rows = model.get("rows") || [];
    const total = model.get("total");
    count.textContent = total > rows.length ? `${total} ports (first ${rows.length} shown)` : `${total} ports`;
    list.replaceChildren(...rows.map((r) => {
      const item = el("div", { class: "dpn-item" + (r.key === model.get("selected") ? " dpn-sel" : ""), "data-key": r.key },
        el("b", {}, r.port), " ", el("span", { class: "dpn-muted" }, r.product),
        r.pii ? el("span", { class: "dpn-badge dpn-pii" }, "PII") : "",
        el("div", { class: "dpn-muted" }, r.description));
      item.addEventListener("click", () => { model.set("selected", r.key); model.save_changes(); });
      return item;
    }));
  }

  function renderDetail() {
    right.replaceChildren();
    const err = model.get("error");
    if (err) right.append(el("div", { class: "dpn-badge dpn-pii" }, err));
    const d = model.get("detail") || {};
    if (!d.port) { right.append(el("div", { class: "dpn-muted" }, "Select a port to see its schema, contract and a preview.")); return; }
    const p = d.port, prod = d.product || {};
    right.append(el("h3", {}, `${prod.title || prod.id} · ${p.id}`),
      el("div", { class: "dpn-muted" }, `owner ${prod.owner || "-"} · ${p.location} · contract ${p.contractId} · roles ${(p.rolesAllowed || []).join(", ") || "everyone"}`),
      el("p", {}, p.description || ""));
    const checks = d.checks || {};
    if (checks.total) right.append(el("span", { class: "dpn-badge " + (checks.result === "passed" ? "dpn-ok" : "dpn-pii") }, `tests ${checks.passed}/${checks.total} ${checks.result}`), " ",
      el("span", { class: "dpn-muted" }, `published ${prod.published_at || ""}`));
    const snippet = el("code", {}, d.snippet || "");
    const copy = el("button", { type: "button" }, "Copy use cell");
    copy.addEventListener("click", async () => {
      try { await navigator.clipboard.writeText(d.snippet); copy.textContent = "Copied"; } catch (e) { copy.textContent = "Select the text to copy"; }
    });
    right.append(el("div", {}, copy, snippet));
    if (d.docs) right.append(el("div", {}, el("a", { href: d.docs, target: "_blank", rel: "noopener" }, "Open the product's documentation page")));
    right.append(el("h4", {}, "Schema"), table(["column", "type", "classification", "PII"], (p.columns || []).map((c) => [c.name, c.type, c.classification || "", c.pii ? "PII" : ""])));
    const pv = model.get("preview_data") || {};
    if (pv.note) right.append(el("div", { class: "dpn-muted" }, pv.note));
    if (pv.columns) {
      right.append(el("h4", {}, `Preview: ${pv.rows.length} of ${pv.row_count} rows` + (pv.masked && pv.masked.length ? ` (masked: ${pv.masked.join(", ")})` : "")),
        table(pv.columns, pv.rows), el("h4", {}, "Column statistics"),
        table(["column", "type", "min", "max", "≈ distinct", "null %"], (pv.stats || []).map((s) => [s.column, s.type, s.min, s.max, s.approx_distinct, s.null_percent])));
    }
  }

  renderFilters(); renderList(); renderDetail();
  model.on("change:rows", renderList);
  model.on("change:total", renderList);
  model.on("change:facets", renderFilters);
  model.on("change:selected", renderList);
  model.on("change:detail", renderDetail);
  model.on("change:preview_data", renderDetail);
  model.on("change:error", renderDetail);
}

export default { render };
