"""The layers of the package: each imports only those below it, and no files import each other
in a circle. Read from the source (every import statement, inside functions too), so a
change that breaks the architecture fails here, not in review."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
PACKAGE = "wyoming_qwentts"
INTEGRATION = "custom_components.qwen_tts"

LAYERS = {
    "core": 0,
    "catalog": 1,
    "speech": 2,
    "realtime": 3,
    "inference": 3,
    "enrollment": 3,
    "protocols": 4,
    "simulator": 4,
    "server": 5,
    "integration": 5,
    "cli": 6,
    "__main__": 7,
}
"""Each part's floor: a part imports parts of lower floors (and the package's face, its
``__init__``, which holds only the version); parts of one floor never import each other."""
PROTOCOL_PACKAGES = ("realtime", "inference")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    files = [*(ROOT / PACKAGE).rglob("*.py"), *(ROOT / "custom_components").rglob("*.py")]
    return {_module_name(path): path for path in files}


def _imports(name: str, path: Path, modules: set[str]) -> set[str]:
    """The project's modules that ``name`` imports (``from . import x`` resolved)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        for target in targets:
            known = target
            while known and known not in modules:
                known = known.rpartition(".")[0]
            if known and known != name:
                found.add(known)
    return found


def _part(module: str) -> str | None:
    """The layer a module belongs to (None: the package's face)."""
    if module.startswith(INTEGRATION):
        return "integration"
    rest = module.removeprefix(PACKAGE).lstrip(".")
    return rest.split(".")[0] or None


GRAPH = {name: _imports(name, path, set(_sources())) for name, path in _sources().items()}


def test_every_part_has_a_floor() -> None:
    parts = {_part(module) for module in GRAPH} - {None}
    assert parts == set(LAYERS)


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_go_down_only(module: str) -> None:
    part = _part(module)
    for target in GRAPH[module]:
        other = _part(target)
        if other is None or other == part:
            continue
        assert part is not None
        assert LAYERS[other] < LAYERS[part], f"{module} ({part}) imports {target} ({other})"


@pytest.mark.parametrize("part", ["server", "integration", "speech", "catalog", "core"])
def test_no_protocol_package_outside_the_registry(part: str) -> None:
    """The server and Home Assistant ask :mod:`wyoming_qwentts.protocols` for clients and
    streams; only it (and the simulator, which mirrors the wire) names a protocol package."""
    for module, targets in GRAPH.items():
        if _part(module) == part:
            named = {_part(target) for target in targets} & set(PROTOCOL_PACKAGES)
            assert not named, f"{module} imports {named}"


def test_no_import_cycle() -> None:
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for target in sorted(GRAPH[module]):
            if state.get(target) == "open":
                cycle = [*path[path.index(target) :], target] if target in path else [target]
                pytest.fail(f"import cycle: {' -> '.join(cycle)}")
            if target not in state:
                visit(target, [*path, target])
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])


def test_the_package_root_is_thin() -> None:
    """Besides ``__init__`` and ``__main__``, at most two modules at the package root."""
    loose = sorted(p.name for p in (ROOT / PACKAGE).glob("*.py"))
    assert len(set(loose) - {"__init__.py", "__main__.py"}) <= 2, loose


def test_no_module_is_overlong() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in [*_sources().values(), *(ROOT / "bench").glob("*.py")]
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > 420
    }
    assert long == {}
