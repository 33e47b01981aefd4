"""Mutation testing of the rule modules, inside one pytest session (README, *Mutation testing*).

    make mutants MUTATE=policyops/calendar.py                 # every test that reaches it
    .venv/bin/python -m pytest -p tests.mutation -n 0 --mutate approvals/rules.py tests/approvals

A mutant is the module with one small change in one function (`<` for `<=`, `+` for `-`, 4 for
5, `and` for `or`, a `not` dropped, a result replaced by None) or in one public number at its top.
Each is run against the tests that reached it in a first, unchanged pass; a mutant no test fails
on *survived* — a line whose meaning no test pins, which is either a missing test or code that
does not matter. A test that fails under a mutant is run once more without it, and counts as a
catch only if it passes then: a test that fails when run twice is not evidence.

Why not mutmut: it starts a new pytest session for each mutant, and each session builds the test
database and loads the seeds again (~15 s here), so a module's 400 mutants took most of an hour.
Here the session's database is built once; a mutant swaps the function's code object in place
(``function.__code__``), so every module that imported the function runs the mutant, and the
original is put back before the next.

A line that ends in ``# pragma: no mutate`` (mutmut's marker) is left alone: keep it for a change
that cannot alter what the code does, and say why beside it.
"""
from __future__ import annotations

import ast
import contextvars
import copy
import dataclasses
import functools
import importlib
import signal
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path

import pytest
from _pytest.runner import runtestprotocol

_SWAPPED_COMPARISONS = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
    ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}
_SWAPPED_ARITHMETIC = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv,
}
_SWAPPED_CALLS = {"min": "max", "max": "min", "any": "all", "all": "any"}
_OURS = {"policyops", "approvals", "programs"}
# On a line whose mutants are known to change nothing (an equivalent mutant), with the reason beside it.
PRAGMA = "pragma: no mutate"


def pytest_addoption(parser):
    group = parser.getgroup("mutation")
    group.addoption("--mutate", action="append", default=[], metavar="PATH[::NAME]",
                    help="Mutate the functions of this module (repeatable) and report the mutants no test fails on; "
                         "with ::NAME only that function, class or number (approvals/clock.py::case_clock).")
    group.addoption("--mutation-timeout", type=float, default=3.0, metavar="SECONDS",
                    help="A mutant under which a test runs ten times as long as unchanged, and at least "
                         "this long, counts as caught (it loops).")


@dataclasses.dataclass
class Mutant:
    qualname: str
    line: int
    before: str
    after: str
    swap: Callable[[], Callable[[], None]]  # makes the change; returns what puts the original back
    reached_by: tuple  # the functions, or the modules, whose tests are the mutant's
    outcome: str = ""


def _mutations(node: ast.AST):
    """Each way ``node`` can be changed, as a function that makes the change in a copy of it."""
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in _SWAPPED_COMPARISONS:
                def apply(n, i=i, op=op):
                    n.ops[i] = _SWAPPED_COMPARISONS[type(op)]()
                yield apply
    elif isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in _SWAPPED_ARITHMETIC:
        def apply(n):
            n.op = _SWAPPED_ARITHMETIC[type(n.op)]()
        yield apply
    elif isinstance(node, ast.BoolOp):
        def apply(n):
            n.op = ast.Or() if isinstance(n.op, ast.And) else ast.And()
        yield apply
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
        def apply(n):
            n.op = ast.UAdd()  # +x: the operand as it is (for `not`, its truth is no longer inverted)
        yield apply
    elif isinstance(node, ast.Constant) and type(node.value) in (int, bool):
        def apply(n):
            n.value = (not n.value) if isinstance(n.value, bool) else n.value + 1
        yield apply
    elif isinstance(node, ast.Return) and node.value is not None and not (
            isinstance(node.value, ast.Constant) and node.value.value in (None, True, False)):
        # `return False` → None reads the same wherever a truth is asked; its flip to True is the mutant.
        def apply(n):
            n.value = ast.Constant(None)
        yield apply
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _SWAPPED_CALLS:
        def apply(n):
            n.func = ast.Name(_SWAPPED_CALLS[n.func.id], ast.Load())
        yield apply


def _functions(tree: ast.Module):
    """(qualified name, node) of each function at module level and each method of a module-level class."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node
        elif isinstance(node, ast.ClassDef):
            for inner in node.body:
                if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    yield f"{node.name}.{inner.name}", inner


def _runtime_function(module, qualname: str):
    """The function object behind a decorator (functools caches, property, classmethod, django-fsm)."""
    owner, _, name = qualname.rpartition(".")
    obj = vars(getattr(module, owner))[name] if owner else getattr(module, name, None)
    for attribute in ("fget", "__func__", "__wrapped__"):
        while hasattr(obj, attribute) and not isinstance(obj, types.FunctionType):
            obj = getattr(obj, attribute)
    while isinstance(obj, types.FunctionType) and hasattr(obj, "__wrapped__"):
        obj = obj.__wrapped__
    return obj if isinstance(obj, types.FunctionType) else None


def _compiled(module, class_name: str, function_node, filename: str) -> types.FunctionType | None:
    """``function_node`` compiled where it stands (inside its class, so that
    ``super()`` keeps its ``__class__`` cell), without its decorators."""
    function_node = copy.copy(function_node)
    function_node.decorator_list = []
    body = [function_node]
    if class_name:
        body = [ast.ClassDef(name=class_name, bases=[], keywords=[], body=body, decorator_list=[], type_params=[])]
    tree = ast.fix_missing_locations(ast.Module(body=body, type_ignores=[]))
    namespace = dict(vars(module))
    exec(compile(tree, filename, "exec"), namespace)
    made = namespace[class_name].__dict__[function_node.name] if class_name else namespace[function_node.name]
    return _runtime_function(types.SimpleNamespace(made=made), "made")


def _module_name(path: Path) -> str:
    return ".".join(path.with_suffix("").parts)


def mutants_of(path: Path) -> list[Mutant]:
    """The mutants of the module at ``path`` (relative to the project): its functions', then its numbers'."""
    module_name = _module_name(path)
    module = importlib.import_module(module_name)
    source = path.read_text()
    tree = ast.parse(source, filename=str(path))
    lines = source.splitlines()
    found = []
    for qualname, function_node in _functions(tree):
        function = _runtime_function(module, qualname)
        if function is None or function.__code__.co_filename != str(Path(module.__file__)):
            continue  # not this module's own (imported, or made by a decorator we cannot see through)
        class_name = qualname.rpartition(".")[0]
        nodes = [n for n in ast.walk(function_node) if n is not function_node]
        # Not in the code object: the arguments' defaults (the function's, set when it was defined),
        # the decorators and the annotations.
        outside = [function_node.args, *function_node.decorator_list, function_node.returns]
        skipped = {id(n) for part in outside if part is not None for n in ast.walk(part)}
        for index, node in enumerate(nodes):
            if id(node) in skipped or PRAGMA in lines[getattr(node, "lineno", function_node.lineno) - 1]:
                continue
            for apply in _mutations(node):
                changed = copy.deepcopy(function_node)
                target = [n for n in ast.walk(changed) if n is not changed][index]
                before = ast.unparse(target)
                apply(target)
                after = ast.unparse(target)
                try:
                    made = _compiled(module, class_name, changed, function.__code__.co_filename)
                except (SyntaxError, TypeError, ValueError, KeyError):
                    continue
                if made is None or made.__code__.co_freevars != function.__code__.co_freevars:
                    continue
                found.append(Mutant(f"{module_name}.{qualname}", getattr(node, "lineno", 0), before, after,
                                    functools.partial(_swap_code, function, made.__code__), (function,)))
    return found + _constant_mutants(module, tree, lines)


def _swap_code(function, code):
    original, function.__code__ = function.__code__, code

    def undo():
        function.__code__ = original
    return undo


def _constant_mutants(module, tree: ast.Module, lines: list[str]) -> list[Mutant]:
    """A public number the module sets at its top (LEGAL_DECISION_DAYS = 20) one more (a float by
    0.1): in the module and in each of ours that imported it by name (``from approvals.rules
    import …``). Its tests are those that ran a function of any of those modules, or of one
    that imported the module itself (``from programs.halls import rules``). A private
    name (_CACHE_SECONDS) tunes the code, and is left alone."""
    ours = [m for m in list(sys.modules.values()) if getattr(m, "__name__", "").split(".")[0] in _OURS]
    # The modules that read the number as an attribute of the module (``rules.CODE_DIGITS``).
    readers = [m for m in ours if m is not module and any(v is module for v in vars(m).values())]
    found = []
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Constant) and type(node.value.value) in (int, float)):
            continue
        name, value = node.targets[0].id, node.value.value
        if name.startswith("_") or PRAGMA in lines[node.lineno - 1] or getattr(module, name, None) != value:
            continue
        holders = [module] + [m for m in ours if m is not module and vars(m).get(name) is vars(module)[name]]
        changed = value + 1 if isinstance(value, int) else round(value + 0.1, 6)
        found.append(Mutant(f"{module.__name__}.{name}", node.lineno, f"{name} = {value!r}", f"{name} = {changed!r}",
                            functools.partial(_swap_constant, holders, name, changed),
                            tuple(m.__name__ for m in holders + readers)))
    return found


def _swap_constant(holders, name, value):
    originals = [vars(m)[name] for m in holders]
    for module in holders:
        setattr(module, name, value)

    def undo():
        for module, original in zip(holders, originals):
            setattr(module, name, original)
    return undo


class _KeepCollectors:
    """The next item as `runtestprotocol` sees it: it keeps the item's module and class set up
    (the session's database above all), and only the item's own fixtures are torn down."""

    def __init__(self, item):
        self._chain = item.listchain()[:-1]

    def listchain(self):
        return self._chain


class _TimedOut(BaseException):
    pass


def _raise_timeout(signum, frame):
    raise _TimedOut


def _run(item) -> tuple[bool, float]:
    """(passed, seconds) of one run of ``item``, from an empty cache."""
    item.session._setupstate.teardown_exact(item)  # another module's fixtures, if the last item was there
    # The cache outlives a test's transaction: a rate-limit counter or a kept sum from the run
    # before (or from a mutant) would fail a test run twice.
    from django.conf import settings

    if settings.configured:
        from django.core.cache import caches

        for cache in caches.all(initialized_only=True):
            cache.clear()
        # The admin keeps each permission set's app list in the process: a list made under a
        # mutant of a model admin's permission would outlive the mutant and fail the run after it.
        from django.contrib import admin

        getattr(admin.site, "forget_app_lists", lambda: None)()
    start = time.perf_counter()
    # In a copy of the context: a context variable the run leaves set (a mutant that skips its
    # reset, as one of policyops.workflow.acting_on's did) ends with the run, not in every later one.
    reports = contextvars.copy_context().run(runtestprotocol, item, log=False, nextitem=_KeepCollectors(item))
    return all(not r.failed for r in reports), time.perf_counter() - start


def _run_within(item, limit: float) -> bool | None:
    """Whether ``item`` passed, or None if it was still running after ``limit`` seconds."""
    signal.setitimer(signal.ITIMER_REAL, limit)
    start = time.perf_counter()
    try:
        passed = _run(item)[0]  # a test still running at the alarm fails
    except _TimedOut:  # the alarm came between the test's phases
        passed = False
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return None if time.perf_counter() - start >= limit else passed


def _verdict(mutant, tests, seconds, least, modules, unreliable: dict) -> str:
    """"caught" once a test fails under ``mutant`` (or runs ten times its time: it loops) and
    passes again without it; else "survived".

    The second run keeps a test that fails when run twice (state it or the mutant left behind)
    from counting as a catch; ``unreliable`` counts how often each did."""
    for item in tests:
        limit = max(least, 10 * seconds[item])
        undo = mutant.swap()
        _clear_caches(modules)
        try:
            passed = _run_within(item, limit)
        finally:
            undo()
            _clear_caches(modules)
        if passed:
            continue
        again = _run_within(item, limit)
        if again is None:
            # Not the mutant's doing: the alarm that stopped the mutant's run can leave a lock held
            # by code without try/finally (lunar_python's LunarYear.fromYear), and then every run waits.
            pytest.exit(f"{item.nodeid} passed unchanged but now runs past {limit:.0f} s without its mutant "
                        f"({mutant.qualname} line {mutant.line}): the process is stuck; mutate that function "
                        "on its own (--mutate PATH::NAME)", returncode=3)
        if again:
            return "caught"
        unreliable[item] = unreliable.get(item, 0) + 1
    return "survived"


def _clear_caches(modules):
    for module in modules:
        for value in list(vars(module).values()):
            if isinstance(value, functools._lru_cache_wrapper):
                value.cache_clear()


def _targets(options: list[str]) -> dict[Path, set[str]]:
    """``--mutate``'s values by module path: the names after ``::`` ("" for all of the module)."""
    targets: dict[Path, set[str]] = {}
    for option in options:
        path, _, name = option.partition("::")
        targets.setdefault(Path(path), set()).add(name)
    return targets


def _named(mutant: Mutant, path: Path, names: set[str]) -> bool:
    """Whether ``mutant`` is of one of ``names`` in the module at ``path`` (a class: its methods too)."""
    qualname = mutant.qualname.removeprefix(_module_name(path) + ".")
    return any(not name or qualname == name or qualname.startswith(name + ".") for name in names)


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session):
    targets = _targets(session.config.getoption("mutate"))
    if not targets or session.config.option.collectonly:
        return None
    report = session.config.pluginmanager.get_plugin("terminalreporter")
    # Each module parsed and compiled once, however many of its names are asked for.
    mutants = [m for path, names in targets.items() for m in mutants_of(path) if _named(m, path, names)]
    modules = [importlib.import_module(_module_name(path)) for path in targets]
    functions = {key for m in mutants for key in m.reached_by if isinstance(key, types.FunctionType)}
    codes = {f.__code__: f for f in functions}
    holders = {id(vars(sys.modules[key])): key for m in mutants for key in m.reached_by if isinstance(key, str)}

    # The unchanged pass: which tests call which function (or a function of which module), and
    # how long each takes.
    callers: dict[object, list] = {}
    seconds = {}
    for item in session.items:
        called = set()

        def profile(frame, event, arg, called=called):
            if event == "call":
                if frame.f_code in codes:
                    called.add(codes[frame.f_code])
                if id(frame.f_globals) in holders:
                    called.add(holders[id(frame.f_globals)])

        _clear_caches(modules)  # as every mutant's run starts, so that the times compare
        sys.setprofile(profile)
        try:
            passed, seconds[item] = _run(item)
        finally:
            sys.setprofile(None)
        if not passed:
            pytest.exit(f"{item.nodeid} fails before any mutation; mutants need a green suite", returncode=1)
        for function in called:
            callers.setdefault(function, []).append(item)
    report.write_line(f"mutation: {len(session.items)} tests pass unchanged; {len(mutants)} mutants of "
                      f"{', '.join(session.config.getoption('mutate'))}")

    least = session.config.getoption("mutation_timeout")
    unreliable = {}
    previous = signal.signal(signal.SIGALRM, _raise_timeout)
    try:
        for number, mutant in enumerate(mutants, 1):
            if number % 50 == 0:
                report.write_line(f"mutation: {number} of {len(mutants)} run, "
                                  f"{sum(m.outcome == 'survived' for m in mutants)} survived so far")
            tests = sorted({item for key in mutant.reached_by for item in callers.get(key, [])}, key=seconds.get)
            mutant.outcome = _verdict(mutant, tests, seconds, least, modules, unreliable) if tests else "no test"
            if mutant.outcome != "caught":  # at once: a long run's survivors can be read while it goes on
                report.write_line(f"{mutant.outcome.upper()}: {mutant.qualname} line {mutant.line}: "
                                  f"{mutant.before}  →  {mutant.after}")
    finally:
        signal.signal(signal.SIGALRM, previous)
        session._setupstate.teardown_exact(None)

    for item, times in unreliable.items():
        report.write_line(f"UNRELIABLE: {item.nodeid} failed again without its mutant ({times}×); "
                          "not counted as a catch")
    caught = sum(m.outcome == "caught" for m in mutants)
    report.write_line(f"mutation: {caught} of {len(mutants)} mutants caught, "
                      f"{sum(m.outcome == 'survived' for m in mutants)} survived, "
                      f"{sum(m.outcome == 'no test' for m in mutants)} reached by no test")
    return True
