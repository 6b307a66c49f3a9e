"""Mutation testing of the cleanup package: do its tests notice a changed rule?

Run through `scripts/mutation`, which prepares the 2025.4 environment first.

Every mutant is one small change to `custom_components/lcars/cleanup/`:

  compare   a comparison moved to its boundary or flipped (< <= > >=),
            == and !=, in and not in, is and is not swapped
  boolop    `and` and `or` swapped
  negate    a condition (if, elif, while, conditional expression,
            comprehension filter) negated, or a `not` removed
  constant  a number moved by one either way, a string changed,
            True and False swapped
  raise     a `raise` statement removed
  call      a call statement removed (its result was not used)
  return    a returned value replaced by None

Docstrings (and any other string standing alone as a statement),
annotations, type aliases, decorators (`@dataclass(frozen=True, ...)`: the
tests check that records are immutable), `__slots__` and `__all__` are left
alone: changing them cannot change what the cleanup does.

How it runs: one pass of the tests under coverage records which tests run
each line; each mutant then runs only those tests (the fastest first,
stopping at the first failure) in a process forked from a parent that has
already imported the test dependencies, with the mutated module compiled
in memory: the working tree is never written. A mutant that no test reaches
survives without a run; one whose tests take far longer than unmutated is
stopped and counted as killed (it hangs).

Mutants listed with a reason in README.md, between the markers
`<!-- mutation-equivalent:start -->` and `<!-- mutation-equivalent:end -->`,
cannot change behaviour: they do not count in the kill rate.
"""

from __future__ import annotations

import argparse
import ast
from collections.abc import Callable, Iterator
import contextlib
import copy
from dataclasses import dataclass
import difflib
import gc
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
from pathlib import Path
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from typing import Any
import xml.etree.ElementTree as ET

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = ROOT / "custom_components" / "lcars" / "cleanup"
PACKAGE = "custom_components.lcars.cleanup"
README = ROOT / "README.md"
EQUIVALENT_START = "<!-- mutation-equivalent:start -->"
EQUIVALENT_END = "<!-- mutation-equivalent:end -->"
DEFAULT_TESTS = (
    "tests/cleanup",
    "tests/test_cleanup_run.py",
    "tests/test_cleanup_entities.py",
    "tests/test_cleanup_seeding.py",
    "tests/test_preview_cleanup.py",
    "tests/test_rules_cleanup_ha.py",
)
# A mutant whose tests take this many times longer than unmutated hangs
# (generous: a loaded machine slows every run).
TIMEOUT_FACTOR = 10
TIMEOUT_MIN = 300.0
# The exit code of a forked run that failed before pytest could start.
RUNNER_FAILED = 99

# -- mutants --------------------------------------------------------------

_COMPARE_SWAPS: dict[type[ast.cmpop], tuple[type[ast.cmpop], ...]] = {
    ast.Lt: (ast.LtE, ast.Gt),
    ast.LtE: (ast.Lt, ast.GtE),
    ast.Gt: (ast.GtE, ast.Lt),
    ast.GtE: (ast.Gt, ast.LtE),
    ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,),
    ast.In: (ast.NotIn,),
    ast.NotIn: (ast.In,),
    ast.Is: (ast.IsNot,),
    ast.IsNot: (ast.Is,),
}
_LEFT_ALONE = frozenset({"__slots__", "__all__", "__match_args__"})
_NOT_VISITED = frozenset(
    {"annotation", "returns", "type_comment", "type_params", "decorator_list"}
)

type Path_ = tuple[tuple[str, int | None], ...]
"""Where a node sits in its module's tree: (field, index) from the root."""


@dataclass(frozen=True, slots=True)
class Mutant:
    """One small change to one module."""

    file: str
    where: Path_
    operator: str
    variant: int
    line: int
    scope: str
    before: str
    after: str
    ident: str = ""

    @property
    def module(self) -> str:
        """The dotted name of the mutated module."""
        return f"{PACKAGE}.{Path(self.file).stem}"

    @property
    def location(self) -> str:
        """File and line, for people."""
        return f"{Path(self.file).relative_to(ROOT)}:{self.line}"


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _node_at(tree: ast.AST, where: Path_) -> ast.AST:
    node: Any = tree
    for name, index in where:
        node = getattr(node, name)
        if index is not None:
            node = node[index]
    return node


def _replace_at(tree: ast.AST, where: Path_, new: ast.AST) -> None:
    parent = _node_at(tree, where[:-1])
    name, index = where[-1]
    if index is None:
        setattr(parent, name, new)
    else:
        getattr(parent, name)[index] = new


def _is_text(stmt: ast.AST) -> bool:
    """A string standing alone: a docstring, or one that documents an alias."""
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def _lines(node: ast.AST) -> tuple[int, int]:
    """First and last line of a node (a comprehension has none of its own)."""
    first = getattr(node, "lineno", None)
    if first is not None:
        return first, getattr(node, "end_lineno", None) or first
    inner = [n for n in ast.walk(node) if hasattr(n, "lineno")]
    return (
        min(n.lineno for n in inner),  # type: ignore[attr-defined]
        max(n.end_lineno or n.lineno for n in inner),  # type: ignore[attr-defined]
    )


class _Finder:
    """Walks a module and lists every mutation its nodes allow."""

    def __init__(self, file: Path, source: str) -> None:
        self.file = str(file)
        self.source = source
        self.found: list[Mutant] = []
        self.scope: list[str] = []

    def add(
        self, where: Path_, operator: str, variant: int, node: ast.AST, after: str
    ) -> None:
        shown = node.test if isinstance(node, ast.If | ast.While) else node
        before = ast.unparse(shown)
        self.found.append(
            Mutant(
                file=self.file,
                where=where,
                operator=operator,
                variant=variant,
                line=_lines(node)[0],
                scope=".".join(self.scope) or "<module>",
                before=before,
                after=after,
            )
        )

    def visit(self, node: ast.AST, where: Path_) -> None:
        if isinstance(node, ast.TypeAlias | ast.Import | ast.ImportFrom):
            return
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            return
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id in _LEFT_ALONE for t in targets):
                return
        scoped = isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        if scoped:
            self.scope.append(node.name)  # type: ignore[attr-defined]
        self.mutate(node, where)
        for name, value in ast.iter_fields(node):
            if name in _NOT_VISITED:
                continue
            if isinstance(value, list):
                for index, child in enumerate(value):
                    if not isinstance(child, ast.AST):
                        continue
                    if _is_text(child):
                        continue
                    self.visit(child, (*where, (name, index)))
            elif isinstance(value, ast.AST):
                self.visit(value, (*where, (name, None)))
        if scoped:
            self.scope.pop()

    def mutate(self, node: ast.AST, where: Path_) -> None:
        for operator, variants in _OPERATORS:
            for variant, (_, after) in enumerate(variants(node)):
                self.add(where, operator, variant, node, after)


def _compare_variants(node: ast.AST) -> Iterator[tuple[ast.AST, str]]:
    if not isinstance(node, ast.Compare):
        return
    for position, op in enumerate(node.ops):
        for swap in _COMPARE_SWAPS.get(type(op), ()):
            new = copy.deepcopy(node)
            new.ops[position] = swap()
            yield new, ast.unparse(new)


def _boolop_variants(node: ast.AST) -> Iterator[tuple[ast.AST, str]]:
    if isinstance(node, ast.BoolOp):
        new = copy.deepcopy(node)
        new.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        yield new, ast.unparse(new)


def _negated(test: ast.expr) -> ast.expr:
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return copy.deepcopy(test.operand)
    return ast.UnaryOp(op=ast.Not(), operand=copy.deepcopy(test))


def _negate_variants(node: ast.AST) -> Iterator[tuple[ast.AST, str]]:
    tests: list[tuple[str, int | None, ast.expr]] = []
    if isinstance(node, ast.If | ast.While | ast.IfExp):
        tests.append(("test", None, node.test))
    elif isinstance(node, ast.comprehension):
        tests.extend(("ifs", i, test) for i, test in enumerate(node.ifs))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        # A `not` that is not itself a condition (those are negated above).
        yield copy.deepcopy(node.operand), ast.unparse(node.operand)
        return
    for name, index, test in tests:
        new = copy.copy(node)
        if index is None:
            setattr(new, name, _negated(test))
            shown = ast.unparse(getattr(new, name))
        else:
            ifs = list(node.ifs)  # type: ignore[attr-defined]
            ifs[index] = _negated(test)
            new.ifs = ifs  # type: ignore[attr-defined]
            shown = ast.unparse(ifs[index])
        yield new, f"condition {shown}"


def _constant_variants(node: ast.AST) -> Iterator[tuple[ast.AST, str]]:
    if not isinstance(node, ast.Constant):
        return
    value = node.value
    if isinstance(value, bool):
        options: list[Any] = [not value]
    elif isinstance(value, int | float):
        options = [value + 1, value - 1]
    elif isinstance(value, str):
        options = [f"XX{value}XX"]
    else:
        return
    for option in options:
        new = ast.Constant(value=option)
        yield new, repr(option)


def _raise_variants(node: ast.AST) -> Iterator[tuple[ast.AST, str]]:
    if isinstance(node, ast.Raise):
        yield ast.Pass(), "pass"


def _call_variants(node: ast.AST) -> Iterator[tuple[ast.AST, str]]:
    if isinstance(node, ast.Expr):
        value = node.value.value if isinstance(node.value, ast.Await) else node.value
        if isinstance(value, ast.Call):
            yield ast.Pass(), "pass"


def _return_variants(node: ast.AST) -> Iterator[tuple[ast.AST, str]]:
    if isinstance(node, ast.Return) and node.value is not None:
        value = node.value
        if not (isinstance(value, ast.Constant) and value.value is None):
            yield ast.Return(value=ast.Constant(value=None)), "return None"


_OPERATORS: tuple[tuple[str, Callable[[ast.AST], Iterator[tuple[ast.AST, str]]]], ...]
_OPERATORS = (
    ("compare", _compare_variants),
    ("boolop", _boolop_variants),
    ("negate", _negate_variants),
    ("constant", _constant_variants),
    ("raise", _raise_variants),
    ("call", _call_variants),
    ("return", _return_variants),
)
_VARIANTS = dict(_OPERATORS)


def find_mutants() -> list[Mutant]:
    """List every mutant of the package, each with a stable id."""
    mutants: list[Mutant] = []
    for file in sorted(PACKAGE_DIR.glob("*.py")):
        source = file.read_text(encoding="utf-8")
        finder = _Finder(file, source)
        finder.visit(ast.parse(source), ())
        seen: dict[str, int] = {}
        for mutant in finder.found:
            base = (
                f"{file.name}::{mutant.scope}::{_short(mutant.before)}"
                f" -> {_short(mutant.after)}"
            )
            seen[base] = seen.get(base, 0) + 1
            ident = base if seen[base] == 1 else f"{base} #{seen[base]}"
            mutants.append(
                Mutant(**{**_fields(mutant), "ident": ident})  # type: ignore[arg-type]
            )
    return mutants


def _fields(mutant: Mutant) -> dict[str, Any]:
    return {name: getattr(mutant, name) for name in Mutant.__slots__}


def mutated_tree(mutant: Mutant) -> ast.Module:
    """Return the module's tree with the mutant's change made."""
    tree = ast.parse(Path(mutant.file).read_text(encoding="utf-8"))
    node = _node_at(tree, mutant.where)
    variants = list(_VARIANTS[mutant.operator](node))
    new, _ = variants[mutant.variant]
    _replace_at(tree, mutant.where, ast.copy_location(new, node))
    return ast.fix_missing_locations(tree)


def diff_of(mutant: Mutant) -> str:
    """Show the change as a unified diff of the normalised source."""
    original = ast.unparse(ast.parse(Path(mutant.file).read_text(encoding="utf-8")))
    changed = ast.unparse(mutated_tree(mutant))
    name = str(Path(mutant.file).relative_to(ROOT))
    return "".join(
        difflib.unified_diff(
            original.splitlines(keepends=True),
            changed.splitlines(keepends=True),
            name,
            f"{name} (mutant)",
            n=2,
        )
    )


def equivalent_mutants() -> dict[str, str]:
    """Read the mutants README.md lists as equivalent, with their reasons."""
    text = README.read_text(encoding="utf-8")
    if EQUIVALENT_START not in text:
        return {}
    block = text.split(EQUIVALENT_START, 1)[1].split(EQUIVALENT_END, 1)[0]
    found: dict[str, str] = {}
    for line in block.splitlines():
        match = re.match(r"^- `(.+?)`:? *(.*)$", line.strip())
        if match:
            found[match.group(1)] = match.group(2)
    return found


# -- which tests run which lines -------------------------------------------

_BASELINE = """
import json, sys
import pytest
code = pytest.main(json.loads(sys.argv[1]))
with open(sys.argv[2], "w") as out:
    json.dump(list(sys.modules), out)
sys.exit(code)
"""


@dataclass(slots=True)
class Baseline:
    """What the unmutated tests showed."""

    # By file, then line: the tests that run it ("" for import time); None
    # when not measured (every mutant then runs every test).
    lines: dict[str, dict[int, set[str]]] | None
    durations: dict[str, float]
    seconds: float
    modules: list[str]


def _test_id(context: str) -> str:
    return context.rsplit("|", 1)[0]


def baseline(tests: list[str], work: Path) -> Baseline:
    """Run the tests once under coverage; fail when they do not pass."""
    data_file = work / "coverage"
    modules_file = work / "modules.json"
    junit = work / "junit.xml"
    args = [
        *tests,
        "-q",
        "-p",
        "no:cacheprovider",
        "--snapshot-warn-unused",
        f"--cov={PACKAGE_DIR.relative_to(ROOT)}",
        "--cov-context=test",
        "--cov-report=",
        f"--junitxml={junit}",
    ]
    env = {**os.environ, "COVERAGE_FILE": str(data_file)}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _BASELINE, json.dumps(args), str(modules_file)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-5000:] + done.stderr[-3000:])
        raise SystemExit("mutation: the tests fail without any mutant")
    import coverage  # noqa: PLC0415  # from the test environment

    data = coverage.CoverageData(basename=str(data_file))
    data.read()
    lines: dict[str, dict[int, set[str]]] = {}
    for measured in data.measured_files():
        by_line = data.contexts_by_lineno(measured)
        lines[str(Path(measured).resolve())] = {
            line: {_test_id(c) for c in contexts} for line, contexts in by_line.items()
        }
    durations: dict[str, float] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        path = case.get("classname", "").replace(".", "/")
        durations[f"{path}.py::{case.get('name')}"] = float(case.get("time", 0))
    return Baseline(
        lines=lines,
        durations=durations,
        seconds=seconds,
        modules=json.loads(modules_file.read_text()),
    )


def tests_for(mutant: Mutant, base: Baseline, all_tests: list[str]) -> list[str]:
    """The tests that run the mutated lines, fastest first; [] when none does."""
    if base.lines is None:
        return list(all_tests)
    tree = ast.parse(Path(mutant.file).read_text("utf-8"))
    first, last = _lines(_node_at(tree, mutant.where))
    # Coverage counts a statement on its first line: add the line of the
    # innermost statement holding the mutant.
    for depth in range(len(mutant.where), -1, -1):
        holder = _node_at(tree, mutant.where[:depth])
        if isinstance(holder, ast.stmt):
            first = min(first, holder.lineno)
            break
    by_line = base.lines.get(str(Path(mutant.file).resolve()), {})
    found: set[str] = set()
    for line in range(first, last + 1):
        found |= by_line.get(line, set())
    if "" in found:
        # Run at import time (a default, a constant): every test may see it.
        return list(all_tests)
    return sorted(
        found,
        key=lambda t: (
            not t.startswith("tests/cleanup/"),
            base.durations.get(t, 1.0),
            t,
        ),
    )


# -- running mutants --------------------------------------------------------


class _MutantLoader(importlib.machinery.SourceFileLoader):
    """Loads one module from a mutated tree instead of its file."""

    tree: ast.Module | None = None

    def get_code(self, fullname: str) -> Any:
        assert self.tree is not None
        return compile(self.tree, self.path, "exec", dont_inherit=True)


class _MutantFinder(importlib.abc.MetaPathFinder):
    def __init__(self, module: str, path: str, tree: ast.Module) -> None:
        self.module, self.path, self.tree = module, path, tree

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != self.module:
            return None
        loader = _MutantLoader(fullname, self.path)
        loader.tree = self.tree
        return importlib.util.spec_from_file_location(
            fullname, self.path, loader=loader
        )


def _child(mutant: Mutant | None, tests: list[str], log: Path) -> None:
    """In the forked process: load the mutant, run the tests, exit with their code."""
    code = RUNNER_FAILED
    try:
        os.setpgid(0, 0)
        _die_with_parent()
        sys.dont_write_bytecode = True
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        if mutant is not None:
            sys.meta_path.insert(
                0, _MutantFinder(mutant.module, mutant.file, mutated_tree(mutant))
            )
        import pytest  # noqa: PLC0415

        code = int(
            pytest.main(
                [*tests, "-x", "-q", "-p", "no:cacheprovider", "--snapshot-warn-unused"]
            )
        )
    except BaseException:  # noqa: BLE001  # report whatever happened, then leave
        import traceback  # noqa: PLC0415

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _die_with_parent() -> None:
    """Ask Linux to kill this process when the runner stops."""
    with contextlib.suppress(Exception):
        import ctypes  # noqa: PLC0415

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _preload(modules: list[str]) -> None:
    """Import what the tests need, except the code under test and the tests."""
    skip = ("custom_components", "tests", "conftest", "__main__", "_pytest.")
    for name in modules:
        if name.startswith(skip):
            continue
        with contextlib.suppress(BaseException):
            __import__(name)
    loaded = [n for n in sys.modules if n.startswith("custom_components.lcars")]
    if loaded:
        raise SystemExit(f"mutation: preloading imported {loaded[0]}")
    # Each forked run then leaves the preloaded objects to the garbage
    # collector's permanent generation instead of scanning (and copying) them.
    gc.collect()
    gc.freeze()


@dataclass(slots=True)
class Outcome:
    """What happened to one mutant."""

    mutant: Mutant
    status: str  # killed, survived, timeout, uncovered, equivalent, error
    seconds: float = 0.0
    tests: int = 0


def run_mutants(
    mutants: list[Mutant],
    base: Baseline,
    all_tests: list[str],
    *,
    jobs: int,
    work: Path,
    report: Callable[[Outcome], None],
) -> list[Outcome]:
    """Run each mutant's tests in a forked process, `jobs` at a time."""
    _preload(base.modules)
    pending = list(mutants)
    running: dict[int, tuple[Mutant, float, float, int]] = {}
    outcomes: list[Outcome] = []
    while pending or running:
        while pending and len(running) < jobs:
            mutant = pending.pop(0)
            tests = tests_for(mutant, base, all_tests)
            if not tests:
                outcome = Outcome(mutant, "uncovered")
                outcomes.append(outcome)
                report(outcome)
                continue
            log = work / f"mutant-{len(outcomes) + len(running)}.log"
            pid = os.fork()
            if pid == 0:
                _child(mutant, tests, log)
            expected = sum(base.durations.get(t, 1.0) for t in tests)
            timeout = max(TIMEOUT_MIN, TIMEOUT_FACTOR * expected)
            start = time.monotonic()
            running[pid] = (mutant, start, start + timeout, len(tests))
        if not running:
            continue
        pid, status = os.waitpid(-1, os.WNOHANG)
        now = time.monotonic()
        if pid == 0:
            for child, (mutant, start, deadline, count) in list(running.items()):
                if now > deadline:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(child, signal.SIGKILL)
                    os.waitpid(child, 0)
                    del running[child]
                    outcome = Outcome(mutant, "timeout", now - start, count)
                    outcomes.append(outcome)
                    report(outcome)
            time.sleep(0.05)
            continue
        mutant, start, _, count = running.pop(pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)  # anything it left behind
        code = os.waitstatus_to_exitcode(status)
        # 0: every test passed. 1: a test failed; 2 to 4: collection or a
        # plugin failed (the mutant broke an import). 5 (no test ran) and
        # anything else is this script's fault.
        verdict = {0: "survived", 1: "killed", 2: "killed", 3: "killed", 4: "killed"}
        verdict = verdict.get(code, "error")
        outcome = Outcome(mutant, verdict, now - start, count)
        outcomes.append(outcome)
        report(outcome)
    return outcomes


def check_runner(base: Baseline, all_tests: list[str], work: Path) -> None:
    """Run the unmutated code the way mutants run: it must pass."""
    pid = os.fork()
    if pid == 0:
        _preload(base.modules)
        _child(None, all_tests, work / "unmutated.log")
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.stderr.write((work / "unmutated.log").read_text()[-5000:])
        raise SystemExit("mutation: the tests fail in the mutant runner unmutated")


# -- command line -----------------------------------------------------------


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/mutation",
        description="Mutation testing of custom_components/lcars/cleanup/.",
    )
    parser.add_argument(
        "--sample",
        type=int,
        default=300,
        help="how many mutants to draw at random (default 300; 0 for all)",
    )
    parser.add_argument(
        "--seed", type=int, help="seed of the draw (default: a new one, printed)"
    )
    parser.add_argument(
        "--jobs", type=int, default=2, help="mutants run at once (default 2)"
    )
    parser.add_argument(
        "--tests",
        nargs="+",
        default=list(DEFAULT_TESTS),
        help="test paths (default: the cleanup and the Home Assistant cleanup tests)",
    )
    parser.add_argument(
        "--mutant",
        action="append",
        default=[],
        help="run only the mutant with this id (repeatable)",
    )
    parser.add_argument(
        "--file", action="append", default=[], help="only mutants of this module name"
    )
    parser.add_argument(
        "--no-coverage",
        action="store_true",
        help="skip the coverage pass: every mutant runs all the given tests"
        " (quick for a few mutants and one test file)",
    )
    parser.add_argument(
        "--list", action="store_true", help="list every mutant id and stop"
    )
    parser.add_argument(
        "--show", metavar="ID", help="print the diff of one mutant and stop"
    )
    parser.add_argument(
        "--equivalent",
        action="store_true",
        help="run the mutants README.md lists as equivalent (they should survive)",
    )
    return parser.parse_args()


def main() -> int:
    """Draw mutants, run the tests against each and print the kill rate."""
    args = _parse()
    os.chdir(ROOT)
    os.environ["HYPOTHESIS_PROFILE"] = "ci"  # the same examples every run
    mutants = find_mutants()
    by_id = {m.ident: m for m in mutants}
    equivalent = equivalent_mutants()
    if args.list:
        for mutant in mutants:
            print(f"{mutant.location}\t{mutant.operator}\t{mutant.ident}")
        print(f"{len(mutants)} mutants", file=sys.stderr)
        return 0
    if args.show:
        if args.show not in by_id:
            raise SystemExit(f"mutation: no mutant {args.show!r}")
        print(diff_of(by_id[args.show]))
        return 0
    unknown = sorted(set(equivalent) - set(by_id))
    for ident in unknown:
        print(f"warning: README lists a mutant that no longer exists: {ident}")
    if args.mutant or args.equivalent:
        wanted = list(args.mutant) + (sorted(equivalent) if args.equivalent else [])
        missing = [i for i in wanted if i not in by_id]
        if missing:
            raise SystemExit(f"mutation: no mutant {missing[0]!r}")
        chosen = [by_id[i] for i in wanted if i in by_id]
        seed = None
    else:
        pool = [m for m in mutants if not args.file or Path(m.file).stem in args.file]
        seed = args.seed if args.seed is not None else random.randrange(1_000_000)
        count = len(pool) if args.sample <= 0 else min(args.sample, len(pool))
        chosen = random.Random(seed).sample(pool, count)
    print(
        f"mutation: {len(mutants)} mutants in {PACKAGE_DIR.relative_to(ROOT)};"
        f" running {len(chosen)}"
        + (f" drawn with --seed {seed}" if seed is not None else "")
    )
    print(f"mutation: tests: {' '.join(args.tests)}")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="lcars-mutation.") as tmp:
        work = Path(tmp)
        base = (
            Baseline(lines=None, durations={}, seconds=0.0, modules=[])
            if args.no_coverage
            else baseline(args.tests, work)
        )
        all_tests = (
            list(args.tests)
            if args.no_coverage
            else sorted(
                base.durations,
                key=lambda t: (
                    not t.startswith("tests/cleanup/"),
                    base.durations[t],
                    t,
                ),
            )
        )
        if not args.no_coverage:
            print(
                f"mutation: {len(all_tests)} tests pass unmutated"
                f" ({base.seconds:.0f} s under coverage)"
            )
        check_runner(base, all_tests, work)
        done = 0

        def report(outcome: Outcome) -> None:
            nonlocal done
            done += 1
            flag = (
                " (listed as equivalent)" if outcome.mutant.ident in equivalent else ""
            )
            print(
                f"[{done}/{len(chosen)}] {outcome.status:9} {outcome.seconds:5.1f} s"
                f"  {outcome.mutant.location}  {outcome.mutant.ident}{flag}",
                flush=True,
            )

        outcomes = run_mutants(
            chosen, base, all_tests, jobs=max(1, args.jobs), work=work, report=report
        )
    return summarize(outcomes, equivalent, time.monotonic() - started, seed)


def summarize(
    outcomes: list[Outcome],
    equivalent: dict[str, str],
    seconds: float,
    seed: int | None,
) -> int:
    """Print the kill rate and the survivors; non-zero when a mutant errored."""
    counted = [o for o in outcomes if o.mutant.ident not in equivalent]
    excluded = len(outcomes) - len(counted)
    killed = [o for o in counted if o.status in ("killed", "timeout")]
    survivors = [o for o in counted if o.status in ("survived", "uncovered")]
    errors = [o for o in counted if o.status == "error"]
    rate = 100 * len(killed) / len(counted) if counted else 100.0
    print()
    if survivors:
        print("Survivors:")
        for outcome in sorted(survivors, key=lambda o: o.mutant.location):
            print(
                f"  {outcome.status:9} {outcome.mutant.location}"
                f"  {outcome.mutant.operator}: {outcome.mutant.ident}"
            )
    for outcome in errors:
        print(f"  error     {outcome.mutant.location}  {outcome.mutant.ident}")
    print(
        f"\nmutation: {len(killed)} of {len(counted)} mutants killed: {rate:.1f} %"
        f" ({excluded} listed as equivalent left out, {len(survivors)} survived,"
        f" {len(errors)} errors) in {seconds / 60:.1f} min"
        + (f", --seed {seed}" if seed is not None else "")
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
