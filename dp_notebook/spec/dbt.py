"""A dbt project (dbt-duckdb) from a product: what ``%dataproduct export dbt --out DIR`` writes.

    to_dbt_project(spec, transforms, suites, unit_cases, database_path=..., input_locations=...)
        → {relative path: text}

- ``dbt_project.yml`` and ``profiles.yml`` (dbt-duckdb, the DuckDB file the caller names);
- ``models/sources.yml``: the input ports, read from ``input_locations`` (files) when given;
- ``models/<target>.sql``: one model per transform; ``{{x}}`` parameters become
  ``{{ dp_literal(var('x')) }}``, bare input and model names ``source()``/``ref()`` (sqlglot
  rewrites the table references), and an output port's final select casts to its declared types;
- ``models/schema.yml``: ports as ``materialized: table`` with an enforced contract
  (constraints only where dbt enforces them, on tables), expectations as dbt's generic tests
  where dbt core has them (not_null, unique, accepted_values) and as singular data tests
  (``tests/*.sql``) compiled from the expectation's own SQL otherwise; unit tests as dbt unit tests;
- ``README.md``: what could not be carried over, and why.

    >>> from dp_notebook.spec import load_spec
    >>> spec = load_spec("id: p\\ninfo: {owner: t}\\noutputPorts: [{id: x_v1}]\\n").spec
    >>> sorted(to_dbt_project(spec, {"x_v1": "SELECT 1 AS a"}, {}, {}))[:2]
    ['README.md', 'dbt_project.yml']
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import DataProductError
from .export import _physical, dump_yaml

_PARAM = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_MACRO = """{#- a dp-notebook parameter as an SQL literal, as dp-notebook binds it -#}
{% macro dp_literal(value) -%}
  {%- if value is none -%} NULL
  {%- elif value is sameas true or value is sameas false -%} {{ value }}
  {%- elif value is number -%} {{ value }}
  {%- else -%} '{{ value | string | replace("'", "''") }}'
  {%- endif -%}
{%- endmacro %}
"""


def to_dbt_project(
    spec,
    transforms: dict[str, Any],
    suites: dict[str, list] | None = None,
    unit_cases: dict[str, list] | None = None,
    *,
    database_path: str = "dp.duckdb",
    input_locations: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
) -> dict[str, str]:
    """The files of a dbt project that builds ``spec``'s ports with dbt-duckdb (see module doc).

    ``transforms``: target → SQL text (or an object with ``.sql``), in build order;
    ``suites``: target → parsed expectations; ``unit_cases``: target → ``UnitCase`` list;
    ``input_locations``: input id → Parquet/CSV/JSON path read as the source;
    ``params``: default values of ``{{x}}`` parameters (``vars`` in dbt_project.yml).
    """
    suites, unit_cases, input_locations = suites or {}, unit_cases or {}, input_locations or {}
    name = re.sub(r"[^a-z0-9_]", "_", spec.id.lower())
    sql_of = {t: (v if isinstance(v, str) else v.sql) for t, v in transforms.items()}
    defaults = dict(params or {})
    for v in transforms.values():
        defaults.update({k: val for k, val in (getattr(v, "params", None) or {}).items() if k not in defaults})
    inputs = [p.id for p in spec.inputPorts] + [i for i in input_locations if spec.input_port(i) is None]
    notes: list[str] = []
    files: dict[str, str] = {}

    files["dbt_project.yml"] = dump_yaml(
        {
            "name": name,
            "version": spec.version or "1.0.0",
            "config-version": 2,
            "profile": name,
            "model-paths": ["models"],
            "test-paths": ["tests"],
            "macro-paths": ["macros"],
            "vars": defaults,
            "models": {name: {"+materialized": "table"}},
        }
        if defaults
        else {"name": name, "version": spec.version or "1.0.0", "config-version": 2, "profile": name, "model-paths": ["models"], "test-paths": ["tests"], "macro-paths": ["macros"], "models": {name: {"+materialized": "table"}}}
    )
    files["profiles.yml"] = dump_yaml({name: {"target": "dev", "outputs": {"dev": {"type": "duckdb", "path": str(database_path), "threads": 1}}}})
    files["macros/dp_literal.sql"] = _MACRO

    sources = []
    for input_id in inputs:
        table: dict[str, Any] = {"name": input_id}
        port = spec.input_port(input_id)
        if port is not None and port.description:
            table["description"] = port.description
        if input_id in input_locations:
            table["config"] = {"external_location": _reader(input_locations[input_id])}
        sources.append(table)
    if sources:
        files["models/sources.yml"] = dump_yaml({"version": 2, "sources": [{"name": name, "schema": "inputs", "tables": sources}]})

    models, unit_tests = [], []
    ports = {p.id: p for p in spec.outputPorts}
    for target, sql in sql_of.items():
        port = ports.get(target)
        body, parents = _rewrite(sql, project=name, inputs=set(inputs), models=set(sql_of) - {target}, where=target)
        if port is not None and port.columns:
            casts = ",\n    ".join(f'CAST({_q(c.name)} AS {_physical(c)}) AS {_q(c.name)}' for c in port.columns)
            body = f"SELECT\n    {casts}\nFROM (\n{body}\n) AS dp_final"
        files[f"models/{target}.sql"] = f"-- {'output port' if port is not None else 'model'} {target} of {spec.id}, exported by dp-notebook\n{body}\n"
        models.append(_model_yaml(spec, target, port, suites.get(target) or [], files, notes))
        for case in unit_cases.get(target) or []:
            test = _unit_test(case, target, parents, name, notes)
            if test:
                unit_tests.append(test)
    for target, suite in suites.items():
        if target not in sql_of and suite:
            notes.append(f"expectations on {target!r}: it is not built by a transform here, so they are not exported")
    schema: dict[str, Any] = {"version": 2, "models": models}
    if unit_tests:
        schema["unit_tests"] = unit_tests
    files["models/schema.yml"] = dump_yaml(schema)
    files["README.md"] = _readme(spec, notes)
    return dict(sorted(files.items()))


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _reader(path: str) -> str:
    lower = path.lower()
    fn = "read_parquet" if ".parquet" in lower else "read_csv_auto" if lower.endswith((".csv", ".tsv")) else "read_json_auto" if ".json" in lower else "read_parquet"
    return f"{fn}('{path.replace(chr(39), chr(39) * 2)}')"


def _rewrite(sql: str, *, project: str, inputs: set[str], models: set[str], where: str) -> tuple[str, list[str]]:
    """Transform SQL → dbt SQL: parameters as vars, bare input/model names as source()/ref()."""
    import sqlglot
    from sqlglot import exp

    params: dict[str, str] = {}

    def param(m: re.Match) -> str:
        key = f"__dp_param_{m.group(1)}__"
        params[key] = m.group(1)
        return key

    text = _PARAM.sub(param, sql.strip().rstrip(";"))
    try:
        tree = sqlglot.parse_one(text, dialect="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise DataProductError(f"dbt export of {where}: sqlglot cannot parse the transform SQL: {str(exc).splitlines()[0]}") from None
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    refs: dict[str, str] = {}
    parents: list[str] = []
    for table in list(tree.find_all(exp.Table)):
        if table.args.get("db") or table.args.get("catalog") or not isinstance(table.this, exp.Identifier):
            continue
        name = table.name
        if name in ctes or (name not in inputs and name not in models):
            continue
        jinja = f"{{{{ source('{project}', '{name}') }}}}" if name in inputs else f"{{{{ ref('{name}') }}}}"
        key = f"__dp_ref_{len(refs)}__"
        refs[key] = jinja
        parents.append(f"source('{project}', '{name}')" if name in inputs else f"ref('{name}')")
        alias = table.args.get("alias")
        table.set("this", exp.to_identifier(key))
        if alias is None:  # keep `name.col` qualifiers working
            table.set("alias", exp.TableAlias(this=exp.to_identifier(name, quoted=True)))
    out = tree.sql(dialect="duckdb", pretty=True)
    for key, jinja in refs.items():
        out = out.replace(key, jinja)
    for key, var in params.items():
        out = re.sub(rf'"?{key}"?', f"{{{{ dp_literal(var('{var}')) }}}}", out)
    return out, list(dict.fromkeys(parents))


def _model_yaml(spec, target: str, port, suite: list, files: dict[str, str], notes: list[str]) -> dict[str, Any]:
    from ..checks.odcs import expectation_sql

    model: dict[str, Any] = {"name": target}
    if port is not None and port.description:
        model["description"] = port.description
    config: dict[str, Any] = {"materialized": "table"}
    if port is not None and port.columns:
        config["contract"] = {"enforced": True}
    model["config"] = config
    if port is not None:
        model["meta"] = {k: v for k, v in {"data_product": spec.id, "contract_id": spec.contract_id(port), "owner": spec.owner}.items() if v}
    columns: dict[str, dict[str, Any]] = {}
    for col in port.columns if port is not None else []:
        entry: dict[str, Any] = {"name": col.name, "data_type": _physical(col)}
        if col.description:
            entry["description"] = col.description
        constraints = [{"type": t} for t, on in (("not_null", col.required or col.primaryKey), ("unique", col.unique and not col.primaryKey), ("primary_key", col.primaryKey)) if on]
        if constraints:
            entry["constraints"] = constraints
        tests = (["not_null"] if col.required or col.primaryKey else []) + (["unique"] if col.unique or col.primaryKey else [])
        if tests:
            entry["data_tests"] = tests
        columns[col.name] = entry
    types = {c.name: _physical(c) for c in port.columns} if port is not None else {}
    for i, e in enumerate(suite):
        generic = _generic_test(e)
        if generic is not None and e.column:
            entry = columns.setdefault(e.column, {"name": e.column})
            entry.setdefault("data_tests", [])
            if generic not in entry["data_tests"]:
                entry["data_tests"].append(generic)
            continue
        found = expectation_sql(e, types, table=f"{{{{ ref('{target}') }}}}")
        if found is None:
            notes.append(f"{target}: {e.label()} is dropped: no SQL judges it outside dp-notebook")
            continue
        query, operator = found
        test_name = f"{target}__{i}__{e.name.removeprefix('expect_')}"
        files[f"tests/{test_name}.sql"] = (
            f"-- {e.label()} on {target}: fails when this returns a row\n"
            f"{{{{ config(severity='{'warn' if e.kwargs.get('severity') in ('warning', 'info') else 'error'}') }}}}\n"
            f"SELECT value FROM ({query}) AS dp_check(value)\nWHERE value IS NULL OR NOT ({_predicate(operator)})\n"
        )
    if columns:
        model["columns"] = list(columns.values())
    return model


def _generic_test(e) -> Any:
    """dbt core's generic test for ``e``, when one means the same (no mostly; row conditions as where)."""
    kw = e.kwargs
    if "mostly" in kw:
        return None
    config: dict[str, Any] = {}
    if kw.get("row_condition") not in (None, ""):
        from ..checks.conditions import condition_tree

        config["where"] = condition_tree(kw["row_condition"], kw.get("condition_parser")).sql(dialect="duckdb")
    if kw.get("severity") in ("warning", "info"):
        config["severity"] = "warn"
    if e.name == "expect_column_values_to_not_be_null":
        test: Any = {"not_null": {}}
    elif e.name == "expect_column_values_to_be_unique":
        test = {"unique": {}}
    elif e.name == "expect_column_values_to_be_in_set" and all(isinstance(v, str) for v in kw["value_set"]):
        test = {"accepted_values": {"arguments": {"values": list(kw["value_set"])}}}
    else:
        return None
    (name, args), = test.items()
    if config:
        args["config"] = config
    return {name: args} if args else name


def _predicate(operator: dict[str, Any]) -> str:
    (op, value), = ((k, v) for k, v in operator.items() if k.startswith("must"))
    if op == "mustBeBetween":
        return f"value BETWEEN {value[0]} AND {value[1]}"
    if op == "mustNotBeBetween":
        return f"value NOT BETWEEN {value[0]} AND {value[1]}"
    sign = {"mustBe": "=", "mustNotBe": "<>", "mustBeGreaterThan": ">", "mustBeGreaterOrEqualTo": ">=", "mustBeLessThan": "<", "mustBeLessOrEqualTo": "<="}[op]
    return f"value {sign} {value}"


def _unit_test(case, target: str, parents: list[str], project: str, notes: list[str]) -> dict[str, Any] | None:
    given = []
    by_name = {re.search(r"'([^']+)'\)$", p).group(1): p for p in parents}
    extra = [k for k in case.given if k not in by_name]
    if extra:
        notes.append(f"unit test {target}/{case.name}: gives rows for {', '.join(extra)}, which {target} does not read directly; dbt mocks direct inputs only, so the case is not exported")
        return None
    for name, parent in by_name.items():
        rows = [_jsonable(r) for r in case.given.get(name, [])]
        if parent.startswith("source(") and rows:
            # dbt reads a mocked input's columns from its relation, which a file source does not have:
            # the rows as SQL carry their own columns
            given.append({"input": parent, "format": "sql", "rows": _rows_sql(rows)})
        else:
            given.append({"input": parent, "rows": rows})
    if case.ordered:
        notes.append(f"unit test {target}/{case.name}: dbt compares rows unordered; 'ordered: true' is not carried over")
    test: dict[str, Any] = {"name": re.sub(r"[^A-Za-z0-9_]", "_", f"{target}__{case.name}"), "model": target, "given": given, "expect": {"rows": [_jsonable(r) for r in case.expect]}}
    if case.params:
        test["overrides"] = {"vars": dict(case.params)}
    return test


def _rows_sql(rows: list[dict[str, Any]]) -> str:
    from sqlglot import exp

    columns = list(dict.fromkeys(k for r in rows for k in r))
    selects = [
        "SELECT " + ", ".join(f"{exp.convert(r.get(c)).sql(dialect='duckdb')} AS {_q(c)}" for c in columns)
        for r in rows
    ]
    return "\nUNION ALL\n".join(selects)


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v if v is None or isinstance(v, (bool, int, float, str)) else str(v)) for k, v in row.items()}


def _readme(spec, notes: list[str]) -> str:
    lines = [
        f"# {spec.display_name} ({spec.id}) as a dbt project",
        "",
        "Exported by dp-notebook. Run with dbt-core and dbt-duckdb:",
        "",
        "    dbt build --profiles-dir .",
        "",
        "Output ports are tables with enforced contracts; expectations are dbt's not_null, unique and",
        "accepted_values tests where those mean the same (no `mostly`), otherwise singular tests in",
        "`tests/` compiled from the expectation's SQL. dbt core has no `relationships` counterpart",
        "among the expectations dp-notebook knows, so none is written.",
        "",
        "## Not carried over",
        "",
    ]
    lines += [f"- {n}" for n in notes] or ["- nothing"]
    return "\n".join(lines) + "\n"
