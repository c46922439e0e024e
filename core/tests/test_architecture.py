"""The layout a newcomer can see: layers (``.importlinter``), no import cycle, no private names
across apps.

``lint-imports`` (run by ``make test``) keeps the layer contracts. These tests add what a
layers contract does not say: that no module imports itself through others (a cycle), that
the apps' layers form no cycle either (``brands.services`` may call ``campaigns.engine``,
whose store reads ``brands.models``, but nothing below may lead back up), and that no app
reaches into another app's ``_private`` names.
"""

from __future__ import annotations

import ast
import configparser
import itertools
from collections import defaultdict
from pathlib import Path

import grimp
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CONFIG = ROOT / ".importlinter"


def _config() -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read(CONFIG)
    return parser


def _packages() -> list[str]:
    return _config()["importlinter"]["root_packages"].split()


def _layers() -> list[list[str]]:
    """The layers contract's modules, top layer first."""
    raw = _config()["importlinter:contract:layers"]["layers"]
    return [[name.strip() for name in line.split(":")] for line in raw.strip().splitlines()]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*_packages(), cache_dir=None)


def _production(module: str) -> bool:
    return ".tests" not in module and ".migrations" not in module


def test_the_layers_name_every_module_that_exists(graph: grimp.ImportGraph) -> None:
    named = [module for layer in _layers() for module in layer]
    assert [module for module in named if module not in graph.modules] == []


def test_no_module_imports_itself_through_others(graph: grimp.ImportGraph) -> None:
    modules = {module for module in graph.modules if _production(module)}
    cycles = []
    for importer in sorted(modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & modules):
            if imported != importer and graph.chain_exists(importer=imported, imported=importer):
                cycles.append(graph.find_shortest_chain(importer=imported, imported=importer))
    assert cycles == []


def _layer_of(module: str, layers: list[list[str]]) -> tuple[str, int] | None:
    """(app, layer index) of a module the layers contract names (itself or an ancestor)."""
    for index, layer in enumerate(layers):
        for name in layer:
            if module == name or module.startswith(name + "."):
                return module.split(".")[0], index
    return None


def test_the_apps_layers_form_no_cycle(graph: grimp.ImportGraph) -> None:
    layers = _layers()
    edges: dict[tuple[str, int], set[tuple[str, int]]] = defaultdict(set)
    for importer in filter(_production, graph.modules):
        source = _layer_of(importer, layers)
        if source is None:
            continue
        for imported in graph.find_modules_directly_imported_by(importer):
            target = _layer_of(imported, layers)
            if target is not None and target != source:
                edges[source].add(target)

    def reaches(start: tuple[str, int], goal: tuple[str, int]) -> bool:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            if node == goal:
                return True
            if node not in seen:
                seen.add(node)
                todo.extend(edges[node])
        return False

    cycles = [(a, b) for a, targets in list(edges.items()) for b in targets if reaches(b, a)]
    assert cycles == []


def _private_uses(path: Path, app: str, apps: set[str]) -> list[str]:
    """``from other_app.x import _name`` and ``other_app.x._name`` in one file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    aliases: dict[str, str] = {}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            owner = node.module.split(".")[0]
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                if owner in apps and owner != app and alias.name.startswith("_"):
                    found.append(f"{path}:{node.lineno} imports {node.module}.{alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name.split(".")[0]] = alias.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            base = node.value
            if isinstance(base, ast.Name) and base.id in aliases:
                owner = aliases[base.id].split(".")[0]
                if owner in apps and owner != app:
                    found.append(f"{path}:{node.lineno} uses {aliases[base.id]}.{node.attr}")
    return found


def test_no_app_uses_another_apps_private_names() -> None:
    apps = set(_packages())
    found = list(
        itertools.chain.from_iterable(
            _private_uses(path, app, apps)
            for app in sorted(apps)
            for path in sorted((ROOT / app).rglob("*.py"))
            if "migrations" not in path.parts
        )
    )
    assert found == []


def test_the_private_name_check_catches_one(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from campaigns.services import _clean\nimport spending.store as s\ns._table(1)\n")
    assert len(_private_uses(sample, "brands", {"brands", "campaigns", "spending"})) == 2


def test_the_shell_starts_with_the_names_ops_staff_know() -> None:
    from django.utils.module_loading import import_string

    from core.management.commands.shell import OPS_NAMES, Command

    names = Command().get_auto_imports()
    assert set(OPS_NAMES) <= set(names)
    assert all(callable(import_string(name)) for name in OPS_NAMES)
