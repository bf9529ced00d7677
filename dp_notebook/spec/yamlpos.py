"""YAML loading that remembers where every value came from.

Errors must name the line and column of the offending field, so the loader
returns, next to the plain data, a map from field path to position:

    >>> data, pos = load_yaml("a:\\n  - x: 1\\n")
    >>> pos.find(("a", 0, "x"))
    (2, 5)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from ..errors import SpecError

Path = tuple[str | int, ...]


@dataclass
class Positions:
    """``path → (line, column)``, 1-based; keys' positions stored under ``path + ("<key>",)``."""

    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    line_offset: int = 0

    def find(self, path: Path) -> tuple[int, int] | None:
        """The position of ``path``, else of its nearest ancestor that has one."""
        path = tuple(path)
        while True:
            if path in self.values:
                line, col = self.values[path]
                return line + self.line_offset, col
            if not path:
                return None
            path = path[:-1]

    def key(self, path: Path) -> tuple[int, int] | None:
        """The position of the key of ``path`` (for unknown-field errors), else of the value."""
        hit = self.values.get(tuple(path) + ("<key>",))
        if hit:
            return hit[0] + self.line_offset, hit[1]
        return self.find(path)


def format_path(path: Path) -> str:
    """``("outputPorts", 1, "type")`` → ``outputPorts[1].type``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps YAML 1.1's odd booleans out: ``on``/``no`` stay strings."""


# YAML 1.1 reads `no`, `on`, `off`, `yes` as booleans (the Norway problem);
# spec values such as a country code must stay strings.
_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    __import__("re").compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


# Aliases let a few hundred bytes stand for billions of values (the "billion laughs"): every
# reader of the data walks them again. A document may expand to this many values at most.
MAX_EXPANDED_NODES = 100_000


def _check_expansion(node: yaml.Node, source: str | None, line_offset: int) -> None:
    """Count the values ``node`` stands for with aliases expanded (each node once, memoised)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        current, done = stack.pop()
        key = id(current)
        if key in sizes:
            continue
        children = _children(current)
        if not done:
            stack.append((current, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        total = 1 + sum(sizes.get(id(c), 0) for c in children)
        if total > MAX_EXPANDED_NODES:
            raise SpecError(
                f"malformed YAML: its aliases expand to more than {MAX_EXPANDED_NODES:,} values (an alias bomb?)",
                source=source, line=current.start_mark.line + 1 + line_offset, column=current.start_mark.column + 1,
            )
        sizes[key] = total


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def safe_load(text: str, *, source: str | None = None) -> Any:
    """``yaml.safe_load`` with the alias-expansion limit, for files without positions (state, parameters)."""
    return load_yaml(text, source=source)[0] if text.strip() else None


def load_yaml(text: str, *, source: str | None = None, line_offset: int = 0) -> tuple[Any, Positions]:
    """Parse one YAML document; ``SpecError`` with line/column on malformed input.

    ``line_offset`` shifts reported lines, e.g. by 1 for a cell body below its magic line.
    """
    if not isinstance(text, str):
        raise SpecError("expected YAML text", source=source)
    loader = None
    try:
        loader = _Loader(text)  # the reader rejects control characters already here
        node = loader.get_single_node()
        if node is None:
            raise SpecError("the YAML document is empty", source=source, line=1 + line_offset)
        _check_expansion(node, source, line_offset)
        positions = Positions(line_offset=line_offset)
        _walk(node, (), positions, source)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        raise SpecError(
            f"malformed YAML: {problem}",
            source=source,
            line=mark.line + 1 + line_offset if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:  # reader errors (bad characters) carry no mark
        raise SpecError(f"malformed YAML: {exc}", source=source) from None
    except RecursionError:
        raise SpecError("malformed YAML: nesting too deep", source=source) from None
    finally:
        if loader is not None:
            loader.dispose()
    return data, positions


def _walk(node: yaml.Node, path: Path, positions: Positions, source: str | None) -> None:
    positions.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            if key == "<<":  # merge keys: positions of merged values stay at the anchor
                continue
            if key in seen:
                raise SpecError(
                    f"duplicate key {key!r} (first on line {seen[key]})",
                    path=format_path(path + (key,)),
                    line=key_node.start_mark.line + 1 + positions.line_offset,
                    column=key_node.start_mark.column + 1,
                    source=source,
                )
            seen[key] = key_node.start_mark.line + 1
            positions.values[path + (key, "<key>")] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _walk(value_node, path + (key,), positions, source)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, path + (i,), positions, source)
