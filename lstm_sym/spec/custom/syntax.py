"""The equation syntax of custom cells: a tokenizer, a recursive-descent parser and a printer.

An equation is ``target = expression``::

    f = sigmoid(W_f @ x + U_f @ h_prev + b_f)
    c = f * c_prev + i * c_tilde

* ``@`` is a matrix-vector product; its left side is a weight-matrix name;
* ``+ - * /`` act component by component (``*`` is ⊙), ``**`` (or ``^``) raises to a
  number, unary ``-`` negates, parentheses group;
* ``name(...)`` applies an activation of :data:`~lstm_sym.spec.activations.ACTIVATIONS`;
* numbers are exact (``0.2`` is 1/5);
* ``q_prev`` is the previous step's value of quantity ``q`` (which makes ``q`` a state).

The text is data: it is tokenized by a regular grammar and parsed into a small tree
(:class:`Node` s) here, never passed to ``eval``, ``sympify`` or ``parse_expr``.
:func:`format_equation` prints an :class:`~lstm_sym.equations.Equation` back in this syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import sympy

from ...equations import Equation
from ...errors import InputError
from ...limits import check
from ...numbers import parse_number
from ..activations import grammar_names

#: A valid name: letters and digits, parts joined by single underscores, each part starting
#: with a letter (so ``W_2`` cannot be mistaken for ``W`` at step 2).
IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z][A-Za-z0-9]*)*")

#: ``q_prev`` reads the previous step's value of quantity ``q``.
PREV = "_prev"

_TOKEN = re.compile(
    r"\s*(?:(?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|[-+*/^@()=]))",
    re.ASCII,
)


# -- the tree ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Num:
    value: sympy.Rational


@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class Call:
    function: str
    arg: Node


@dataclass(frozen=True)
class Neg:
    arg: Node


@dataclass(frozen=True)
class Bin:
    op: str  # "+", "-", "*", "/", "**"
    left: Node
    right: Node


@dataclass(frozen=True)
class MatMul:
    matrix: str
    vector: Node


Node = Num | Var | Call | Neg | Bin | MatMul


@dataclass(frozen=True)
class ParsedEquation:
    """One equation as written: its target, its expression tree, its text and its field."""

    target: str
    expr: Node
    text: str
    field: str

    def error(self, expected: str, found: str) -> InputError:
        """A mistake in this equation: its field, and its text after what was found."""
        return InputError(self.field, expected, f"{found} in {self.text!r}")


# -- tokens ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "number" | "name" | "op" | "end"
    text: str
    column: int


def tokenize(text: str, field: str) -> list[_Token]:
    """The tokens of ``text``; anything else is an :class:`InputError` naming the column."""
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        if text[position:].isspace():
            break
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup is None:
            column = position + len(text[position:]) - len(text[position:].lstrip()) + 1
            raise InputError(
                field,
                "names, numbers and the operators + - * / ** @ ( ) =",
                f"{text[column - 1]!r} at column {column} of {text!r}",
            )
        kind = match.lastgroup
        tokens.append(_Token(kind, match[kind], match.start(kind) + 1))
        position = match.end()
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


# -- the parser --------------------------------------------------------------------------


class _Parser:
    """Recursive descent over the grammar::

    equation := NAME "=" sum END
    sum      := product (("+" | "-") product)*
    product  := unary (("*" | "/") unary)*
    unary    := "-" unary | power
    power    := operand (("**" | "^") unary)?
    operand  := NAME "@" operand | NAME "(" sum ")" | NAME | NUMBER | "(" sum ")"
    """

    def __init__(self, text: str, field: str):
        self.text = text
        self.field = field
        self.tokens = tokenize(text, field)
        self.position = 0
        self.depth = 0

    def fail(self, expected: str, token: _Token | None = None) -> InputError:
        token = token or self.peek()
        found = f"{token.text!r} at column {token.column}" if token.text else "the end"
        return InputError(self.field, expected, f"{found} of {self.text!r}")

    def peek(self) -> _Token:
        return self.tokens[self.position]

    def take(self) -> _Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def accept(self, *ops: str) -> str | None:
        token = self.peek()
        if token.kind == "op" and token.text in ops:
            self.position += 1
            return token.text
        return None

    def equation(self) -> ParsedEquation:
        target = self.take()
        if target.kind != "name":
            raise self.fail("an equation 'name = expression'", target)
        if self.accept("=") is None:
            raise self.fail("'=' after the name being defined")
        expr = self.sum()
        if self.peek().kind != "end":
            raise self.fail("an operator or the end of the equation")
        return ParsedEquation(target.text, expr, self.text, self.field)

    def deeper(self) -> None:
        """One more level of nesting; refused beyond the ``equation_depth`` limit."""
        self.depth += 1
        check(
            "equation_depth",
            self.depth,
            self.field,
            "at most {limit} levels of nesting",
            found=f"deeper nesting at column {self.peek().column}",
        )

    def sum(self) -> Node:
        self.deeper()
        node = self.product()
        while (op := self.accept("+", "-")) is not None:
            node = Bin(op, node, self.product())
        self.depth -= 1
        return node

    def product(self) -> Node:
        node = self.unary()
        while (op := self.accept("*", "/")) is not None:
            node = Bin(op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.accept("-") is not None:
            self.deeper()
            node: Node = Neg(self.unary())
            self.depth -= 1
            return node
        return self.power()

    def power(self) -> Node:
        node = self.operand()
        if self.accept("**", "^") is not None:
            self.deeper()  # an exponent nests: x ^ x ^ x is x ^ (x ^ x)
            node = Bin("**", node, self.unary())
            self.depth -= 1
        return node

    def operand(self) -> Node:
        token = self.take()
        if token.kind == "number":
            return Num(parse_number(Decimal(token.text), self.field))
        if token.kind == "name":
            if self.accept("@") is not None:
                self.deeper()  # W @ V @ x is W @ (V @ x)
                node: Node = MatMul(token.text, self.operand())
                self.depth -= 1
                return node
            if self.accept("(") is not None:
                arg = self.sum()
                if self.accept(")") is None:
                    raise self.fail("')' closing the call")
                return Call(token.text, arg)
            return Var(token.text)
        if token.kind == "op" and token.text == "(":
            node = self.sum()
            if self.accept(")") is None:
                raise self.fail("')'")
            return node
        raise self.fail("a name, a number or '('", token)


def parse_equation(text: str, field: str) -> ParsedEquation:
    """Parse one equation; syntax errors are :class:`InputError` s naming ``field`` and the column."""
    if not isinstance(text, str):
        raise InputError(field, "an equation written as a string", type(text).__name__)
    check("equation_length", len(text), field, "an equation of at most {limit} characters")
    return _Parser(text, field).equation()


# -- printing ----------------------------------------------------------------------------


def _number(value: sympy.Rational) -> str:
    return str(value.p) if value.q == 1 else f"{value.p}/{value.q}"


def format_expr(expr: sympy.Expr) -> str:
    """A pointwise formula in the equation syntax (``(1 - z) * n + z * h_prev``)."""
    return _format(expr, 0)


_SUM, _PRODUCT, _POWER = 1, 2, 3


def _format(expr: sympy.Expr, context: int) -> str:
    if expr.is_Symbol:
        return str(expr.name)
    if expr.is_Rational:
        text = _number(expr)
        return (
            f"({text})" if (expr.q != 1 and context >= _PRODUCT) or (expr < 0 and context) else text
        )
    if expr.is_Add:
        terms = expr.as_ordered_terms()
        text = _format(terms[0], _SUM)
        for term in terms[1:]:
            coefficient, rest = term.as_coeff_Mul()
            if coefficient.is_negative:
                text += " - " + _format(-coefficient * rest, _SUM + 1)
            else:
                text += " + " + _format(term, _SUM + 1)
        return f"({text})" if context > _SUM else text
    if expr.is_Mul:
        coefficient, rest = expr.as_coeff_Mul()
        if coefficient == -1:
            text = "-" + _format(rest, _PRODUCT + 1)
            return f"({text})" if context >= _SUM else text
        factors = [f for f in expr.as_ordered_factors()]
        numerator = [f for f in factors if not (f.is_Pow and f.exp == -1)]
        denominator = [f.base for f in factors if f.is_Pow and f.exp == -1]
        text = " * ".join(_format(f, _PRODUCT) for f in numerator) or "1"
        for d in denominator:
            text += " / " + _format(d, _PRODUCT + 1)
        return f"({text})" if context > _PRODUCT else text
    if expr.is_Pow:
        text = f"{_format(expr.base, _POWER + 1)} ** {_format(expr.exp, _POWER + 1)}"
        return f"({text})" if context >= _POWER else text
    if isinstance(expr, sympy.Function) and len(expr.args) == 1:
        name = grammar_names().get(type(expr).__name__, type(expr).__name__)
        return f"{name}({_format(expr.args[0], 0)})"
    raise ValueError(f"cannot print {expr!r} in the equation syntax")


def format_equation(eq: Equation) -> str:
    """``target = W @ u + ... + pointwise`` (a reduction prints as ``sum(...)``)."""
    terms = [f"{t.matrix}{'.T' if t.transpose else ''} @ {t.vector}" for t in eq.linear]
    body = " + ".join(terms)
    if eq.pointwise != 0 or not terms:
        text = _format(eq.pointwise, _SUM if terms else 0)
        if not terms:
            body = text
        elif text.startswith("-"):
            body += " - " + text[1:]
        else:
            body += " + " + text
    return f"{eq.target} = {f'sum({body})' if eq.reduce else body}"
