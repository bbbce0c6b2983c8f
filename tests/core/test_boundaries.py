"""The apps stand side by side (DESIGN.md, "Apps stand side by side"): a stream app imports core, imports and
reports' registry, never another stream's code; core (the foundation) and reports (the registry of
figures, summary sections, dashboards and evidence tables) import no stream app — each stream contributes
through the registries in its apps.ready() and its figures.py / sections.py / evidence.py. Every Python
file under kechuang/<app>/ is read with ast, imports inside functions included, so a crossing hidden in a
function body is found as well."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "kechuang"
# The work streams' apps: those built and those DESIGN.md plans (a crossing into one that does not exist
# yet is a crossing all the same).
STREAMS = {"programmes", "rnd", "commissioners", "cooperation", "outreach"}
FOUNDATION = {"core", "reports"}


def _apps() -> list[str]:
    return sorted(p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists())


def _imported(path: Path) -> list[tuple[int, str]]:
    """(line, dotted module) of every import in the file, relative ones resolved."""
    package = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # `from kechuang import programmes` imports the app too
            if module == "kechuang":
                found += [(node.lineno, f"kechuang.{alias.name}") for alias in node.names]
    return found


def crossings(app: str) -> list[str]:
    """Imports of `app`'s files into apps it must not import."""
    if app in STREAMS:
        forbidden = STREAMS - {app}
    elif app in FOUNDATION:
        forbidden = set(STREAMS)
    else:
        forbidden = set()
    found = []
    for path in sorted((ROOT / app).rglob("*.py")):
        for line, module in _imported(path):
            parts = module.split(".")
            if len(parts) >= 2 and parts[0] == "kechuang" and parts[1] in forbidden:
                found.append(f"{path.relative_to(ROOT.parent)}:{line} imports {module}")
    return found


def test_the_walker_sees_absolute_relative_and_function_level_imports(tmp_path, monkeypatch):
    """A test that could not fail would prove nothing: a made-up tree with each kind of crossing."""
    fake = tmp_path / "kechuang"
    for name in ("rnd", "reports", "programmes"):
        (fake / name).mkdir(parents=True)
        (fake / name / "__init__.py").write_text("")
    (fake / "rnd" / "a.py").write_text("from kechuang.programmes.models import Award\n")
    (fake / "rnd" / "b.py").write_text("def f():\n    from ..programmes import forms_funds\n")
    (fake / "reports" / "c.py").write_text(
        "import kechuang.rnd.selectors_indicators\nfrom . import figures\n"
    )
    (fake / "programmes" / "d.py").write_text(
        "from kechuang.core import units\nfrom kechuang.reports import figures\n"
    )
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", fake)
    assert crossings("rnd") == [
        "kechuang/rnd/a.py:1 imports kechuang.programmes.models",
        "kechuang/rnd/b.py:2 imports kechuang.programmes",
    ]
    assert crossings("reports") == ["kechuang/reports/c.py:1 imports kechuang.rnd.selectors_indicators"]
    assert crossings("programmes") == []  # core and reports' registry are allowed


@pytest.mark.parametrize("app", sorted(a for a in STREAMS | FOUNDATION if (ROOT / a).is_dir()))
def test_no_app_crosses_into_a_stream_app(app):
    assert crossings(app) == []


def test_every_app_is_classified():
    """A new app must be placed on one side or the other (a stream, or the foundation, or imports)."""
    assert set(_apps()) <= STREAMS | FOUNDATION | {"imports", "templates", "locale"}
