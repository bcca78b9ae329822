"""Formulas of mapping files: KUKSA's syntax evaluates right, anything but arithmetic is refused."""

from __future__ import annotations

import pytest

from renkei.vehicle.can.transform import FormulaError, compile_formula, formula_names


@pytest.mark.parametrize(
    ("formula", "x", "expected"),
    [
        ("floor((x*40)-100)", 2.0, -20),
        ("(x+100)/40", -20.0, 2.0),
        ("x^2", 3.0, 9.0),
        ("abs(x) + max(1, 2)", -4.0, 6),
        ("1 if x < 0 else 0", -0.5, 1),
        ("round(x * PI, 2)", 1.0, 3.14),
    ],
)
def test_formulas_evaluate(formula: str, x: float, expected: float) -> None:
    assert compile_formula(formula)({"x": x}) == pytest.approx(expected)


def test_formulas_may_read_the_names_they_are_allowed() -> None:
    f = compile_formula("x * (1 - 2 * SIGN)", frozenset({"x", "SIGN"}))
    assert f({"x": 10.0, "SIGN": 1}) == -10.0
    assert formula_names("floor(x * SIGN + PI)") == {"x", "SIGN"}


@pytest.mark.parametrize(
    ("formula", "rule"),
    [
        ("__import__('os').system('true')", "math-function"),
        ("(lambda: 1)()", "math-function"),
        ("lambda: 1", "math-construct"),
        ("x.__class__", "math-construct"),
        ("[x for x in range(9)]", "math-construct"),
        ("'text'", "math-constant"),
        ("open('/etc/passwd')", "math-function"),
        ("x ** x", "math-power"),
        ("10 ^ 100", "math-power"),
        ("", "math-empty"),
        ("x +", "math-syntax"),
        ("x" * 600, "math-too-long"),
        ("y", "math-variable"),
    ],
)
def test_anything_but_arithmetic_is_refused(formula: str, rule: str) -> None:
    with pytest.raises(FormulaError) as caught:
        compile_formula(formula)
    assert caught.value.rule == rule


def test_a_formula_cannot_reach_builtins_at_run_time() -> None:
    f = compile_formula("x / 0")
    with pytest.raises(ZeroDivisionError):
        f({"x": 1.0})
