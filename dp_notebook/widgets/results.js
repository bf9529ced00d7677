// Sortable result tables: click a header to sort (again to reverse). Text only via textContent.
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c == null ? "" : String(c)));
  return node;
}

function sortableTable(spec) {
  let key = -1, asc = true;
  const tbody = el("tbody");
  const head = el("tr");
  const draw = () => {
    const rows = [...spec.rows];
    if (key >= 0) rows.sort((a, b) => {
      const x = a[key], y = b[key];
      const cmp = typeof x === "number" && typeof y === "number" ? x - y : String(x ?? "").localeCompare(String(y ?? ""));
      return asc ? cmp : -cmp;
    });
    tbody.replaceChildren(...rows.map((r) => el("tr", {}, ...r.map((c) => el("td", {}, typeof c === "number" ? +c.toPrecision(6) : c)))));
  };
  spec.columns.forEach((name, i) => {
    const th = el("th", { role: "button", title: "sort" }, name);
    th.addEventListener("click", () => { asc = key === i ? !asc : true; key = i; draw(); });
    head.append(th);
  });
  draw();
  return el("table", {}, el("thead", {}, head), tbody);
}

function render({ model, el: root }) {
  const box = el("div", { class: "dpn-browser", style: "display:block" });
  const draw = () => {
    box.replaceChildren(el("h3", {}, model.get("title")));
    for (const src of model.get("images") || []) box.append(el("img", { src, alt: "SLO trend" }));
    for (const t of model.get("tables") || []) box.append(el("h4", {}, `${t.name} (${t.rows.length})`), sortableTable(t));
  };
  draw();
  model.on("change:tables", draw);
  root.append(box);
}

export default { render };
