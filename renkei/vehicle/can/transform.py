"""Value transforms of a CAN mapping: `math` formulas and `mapping` value tables.

A mapping file says how a DBC value becomes a VSS value (and back). Formulas use
the syntax KUKSA's CAN provider accepts (py-expression-eval: `x`, `+ - * / ^ %`,
`floor`, `ceil`, `round`, `abs`, `min`, `max`, `sqrt` ...). They are parsed once
into a restricted Python expression tree and compiled, so evaluating one costs a
single function call per frame; nothing but arithmetic can run.

    >>> f = compile_formula("floor((x*40)-100)")
    >>> f({"x": 2.0})
    -20
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from typing import Any

Formula = Callable[[Mapping[str, Any]], Any]

# Functions a formula may call. py-expression-eval's set, minus string helpers.
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": abs,
    "ceil": math.ceil,
    "floor": math.floor,
    "round": round,
    "trunc": math.trunc,
    "sqrt": math.sqrt,
    "exp": math.exp,
    "log": math.log,
    "min": min,
    "max": max,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "asin": math.asin,
    "acos": math.acos,
    "atan": math.atan,
    "pow": pow,
}
_CONSTANTS: dict[str, float] = {"PI": math.pi, "E": math.e, "pi": math.pi, "e": math.e}

_ALLOWED_NODES = (
    ast.Expression,
    ast.BinOp,
    ast.UnaryOp,
    ast.BoolOp,
    ast.Compare,
    ast.IfExp,
    ast.Call,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.Pow,
    ast.USub,
    ast.UAdd,
    ast.Not,
    ast.And,
    ast.Or,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
)


class FormulaError(ValueError):
    """A formula that cannot be compiled; `rule` names what it broke."""

    def __init__(self, formula: str, rule: str, message: str) -> None:
        super().__init__(f"formula {formula!r}: {message} [{rule}]")
        self.formula = formula
        self.rule = rule


def formula_names(formula: str) -> set[str]:
    """The variable names a formula reads (function names and constants excluded)."""
    tree = _parse(formula)
    return {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id not in _FUNCTIONS and node.id not in _CONSTANTS
    }


def _parse(formula: str) -> ast.Expression:
    if not isinstance(formula, str) or not formula.strip():
        raise FormulaError(str(formula), "math-empty", "a formula must be a non-empty string")
    if len(formula) > 500:
        raise FormulaError(formula[:40] + "...", "math-too-long", "a formula may have at most 500 characters")
    # py-expression-eval writes powers as `^`; Python's `^` is xor, which a formula never means.
    source = formula.replace("^", "**")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as err:
        raise FormulaError(formula, "math-syntax", f"syntax error at column {err.offset}") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise FormulaError(formula, "math-construct", f"{type(node).__name__} is not allowed in a formula")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS:
                known = ", ".join(sorted(_FUNCTIONS))
                raise FormulaError(formula, "math-function", f"only these functions may be called: {known}")
            if node.keywords:
                raise FormulaError(formula, "math-construct", "keyword arguments are not allowed")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            # Unbounded powers (9^9^9) would stall the decoder: exponents are small constants.
            exponent = node.right.operand if isinstance(node.right, ast.UnaryOp) else node.right
            if (
                not (isinstance(exponent, ast.Constant) and isinstance(exponent.value, int | float))
                or abs(exponent.value) > 64
            ):
                raise FormulaError(formula, "math-power", "a power's exponent must be a number between -64 and 64")
        if isinstance(node, ast.Constant) and not isinstance(node.value, int | float | bool):
            raise FormulaError(formula, "math-constant", f"constant {node.value!r} is not a number")
    return tree


def compile_formula(formula: str, variables: frozenset[str] | None = None) -> Formula:
    """Compile `formula` into a function of a name → value mapping.

    `variables` limits the names the formula may read (default: only `x`).
    Raises FormulaError naming the rule the formula broke.
    """
    allowed = variables if variables is not None else frozenset({"x"})
    tree = _parse(formula)
    unknown = formula_names(formula) - allowed
    if unknown:
        raise FormulaError(
            formula,
            "math-variable",
            f"unknown name(s) {', '.join(sorted(unknown))}; a formula may read {', '.join(sorted(allowed))}",
        )
    # Free variables are rewritten to subscripts of the argument `v`, so the
    # compiled code only sees the functions table and the values it is given.
    rewritten = _RewriteNames(allowed).visit(tree)
    ast.fix_missing_locations(rewritten)
    code = compile(rewritten, f"<formula {formula}>", "eval")
    scope: dict[str, Any] = {"__builtins__": {}, **_FUNCTIONS, **_CONSTANTS}

    def evaluate(values: Mapping[str, Any]) -> Any:
        scope["v"] = values
        return eval(code, scope)  # the tree was restricted to arithmetic above

    return evaluate


class _RewriteNames(ast.NodeTransformer):
    def __init__(self, variables: frozenset[str]) -> None:
        self.variables = variables

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in self.variables:
            return ast.Subscript(value=ast.Name(id="v", ctx=ast.Load()), slice=ast.Constant(node.id), ctx=ast.Load())
        return node
