"""The mutation runner (tests/mutation.py) on a module of its own: what it reports is what `make
mutants` tells a developer, so it must call a mutant caught only when a test fails on it."""
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]
REPOSITORY = Path(__file__).resolve().parents[2]

RULE = '''
ADULT_AGE = 18


def may_sign(age):
    return age >= ADULT_AGE
'''


def mutation_run(pytester, tests: str, rule: str = RULE, target: str = "rule.py"):
    pytester.makepyfile(rule=rule, test_rule=tests)
    return pytester.runpytest_subprocess("-p", "tests.mutation", "-p", "no:django", "-p", "no:xdist",
                                         "-p", "no:cacheprovider", "--mutate", target)


@pytest.fixture
def environment(monkeypatch):
    """The subprocess's: it finds tests.mutation, and runs no Django."""
    monkeypatch.setenv("PYTHONPATH", str(REPOSITORY))
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)


def test_a_boundary_no_test_touches_survives(pytester, environment):
    result = mutation_run(pytester, "from rule import may_sign\n\ndef test_adult():\n    assert may_sign(30)\n")
    result.stdout.fnmatch_lines(["SURVIVED: rule.may_sign line *: age >= ADULT_AGE  →  age > ADULT_AGE",
                                 "SURVIVED: rule.ADULT_AGE line *: ADULT_AGE = 18  →  ADULT_AGE = 19",
                                 "mutation: 1 of 3 mutants caught, 2 survived, 0 reached by no test"])


def test_a_test_at_the_boundary_catches_every_mutant(pytester, environment):
    result = mutation_run(pytester, "from rule import may_sign\n\n"
                                    "def test_eighteen():\n    assert may_sign(18)\n\n"
                                    "def test_seventeen():\n    assert not may_sign(17)\n")
    result.stdout.fnmatch_lines(["mutation: 3 of 3 mutants caught, 0 survived, 0 reached by no test"])
    result.stdout.no_fnmatch_line("SURVIVED*")


def test_a_failing_suite_is_refused_before_any_mutant(pytester, environment):
    result = mutation_run(pytester, "from rule import may_sign\n\ndef test_wrong():\n    assert may_sign(3)\n")
    result.stdout.fnmatch_lines(["*test_wrong fails before any mutation*"])
    assert result.ret != 0


def test_a_line_marked_no_mutate_is_left_alone(pytester, environment):
    marked = RULE.replace("return age >= ADULT_AGE", "return age >= ADULT_AGE  # pragma: no mutate")
    result = mutation_run(pytester, "from rule import may_sign\n\ndef test_adult():\n    assert may_sign(30)\n",
                          rule=marked)
    result.stdout.fnmatch_lines(["mutation: 0 of 1 mutants caught, 1 survived, 0 reached by no test"])


def test_a_named_function_is_mutated_alone(pytester, environment):
    result = mutation_run(pytester, "from rule import may_sign\n\ndef test_adult():\n    assert may_sign(30)\n",
                          target="rule.py::may_sign")
    result.stdout.fnmatch_lines(["mutation: 1 tests pass unchanged; 2 mutants of rule.py::may_sign",
                                 "SURVIVED: rule.may_sign line *: age >= ADULT_AGE  →  age > ADULT_AGE",
                                 "mutation: 1 of 2 mutants caught, 1 survived, 0 reached by no test"])
    result.stdout.no_fnmatch_line("*ADULT_AGE = 19*")


def test_a_mutant_that_loops_is_caught_by_its_time(pytester, environment):
    countdown = ("def steps(n):\n    taken = 0\n    while n != 0:\n        n -= 1\n        taken += 1\n"
                 "    return taken\n")
    pytester.makepyfile(rule=countdown, test_rule="from rule import steps\n\ndef test_three():\n"
                                                  "    assert steps(3) == 3\n")
    result = pytester.runpytest_subprocess("-p", "tests.mutation", "-p", "no:django", "-p", "no:xdist",
                                           "-p", "no:cacheprovider", "--mutate", "rule.py", "--mutation-timeout", "1")
    result.stdout.fnmatch_lines(["mutation: * of * mutants caught, 0 survived, 0 reached by no test"])


LEVELS = '''
import contextvars
from contextlib import contextmanager

_level = contextvars.ContextVar("level", default=0)


@contextmanager
def entered():
    token = _level.set(_level.get() + 1)
    try:
        yield
    finally:
        if token is not None:
            _level.reset(token)


def level():
    return _level.get()
'''


def test_a_context_variable_a_mutant_leaves_set_ends_with_its_run(pytester, environment):
    # `token is None` skips the reset: the level stays 1 after the mutant's run. Kept in the
    # runner's context, it would fail the run again without the mutant (and every later run).
    result = mutation_run(pytester, "from rule import entered, level\n\n"
                                    "def test_inside():\n    with entered():\n        assert level() == 1\n\n"
                                    "def test_after():\n    with entered():\n        pass\n    assert level() == 0\n",
                          rule=LEVELS)
    result.stdout.fnmatch_lines(["mutation: * of * mutants caught, 0 survived, 0 reached by no test"])
    result.stdout.no_fnmatch_line("UNRELIABLE*")
