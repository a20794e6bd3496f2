"""User text (titles, names, descriptions) made safe for LaTeX: it prints, it never runs.

Every character that means something to TeX is replaced by a command that prints it
(with the fonts every TeX Live has: no T1/TS1 encoding is needed), so
no input — ``\\input``, ``\\write18``, ``\\catcode``, ``^^5c``, unbalanced braces — can
reach TeX as markup. Non-ASCII letters become accent commands, Greek letters and a few
mathematical symbols their math commands; anything else pdfLaTeX cannot typeset is
replaced by ``?``. At most :data:`MAX_MARKS` combining marks stay on one letter: each is
a TeX group around it, and hundreds of them ("Zalgo" text) would exceed TeX's grouping
capacity and stop the build.
"""

from __future__ import annotations

import re
import unicodedata

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\texttt{\char95}",
    "^": r"\texttt{\char94}",
    "~": r"\texttt{\char126}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    '"': r"\texttt{\char34}",
    "-": "-{}",  # no -- or --- ligatures
    "'": "'{}",
    "`": "`{}",
}

#: Symbols that commonly appear in descriptions (σ, ⊙, ‖·‖, ½ ...).
_SYMBOLS = {
    "σ": r"\ensuremath{\sigma}",
    "⊙": r"\ensuremath{\odot}",
    "‖": r"\ensuremath{\|}",
    "½": r"\ensuremath{\tfrac{1}{2}}",
    "Σ": r"\ensuremath{\Sigma}",
    "∑": r"\ensuremath{\sum}",
    "∂": r"\ensuremath{\partial}",
    "−": r"\ensuremath{-}",
    "×": r"\ensuremath{\times}",
    "·": r"\ensuremath{\cdot}",
    "⟨": r"\ensuremath{\langle}",
    "⟩": r"\ensuremath{\rangle}",
    "→": r"\ensuremath{\to}",
    "≈": r"\ensuremath{\approx}",
    "≤": r"\ensuremath{\le}",
    "≥": r"\ensuremath{\ge}",
    "²": r"\ensuremath{^2}",
    "ᵀ": r"\ensuremath{^{\top}}",
    "–": "--",
    "—": "---",
    "‘": "`",
    "’": "'",
    "“": "``",
    "”": "''",
    "…": r"\ldots{}",
    "\u00a0": "~",
    "ß": r"\ss{}",
    "æ": r"\ae{}",
    "Æ": r"\AE{}",
    "œ": r"\oe{}",
    "Œ": r"\OE{}",
    "ø": r"\o{}",
    "Ø": r"\O{}",
    "ł": r"\l{}",
    "Ł": r"\L{}",
    "ı": r"\i{}",
}

#: Combining accents and the text-mode commands that produce them.
_ACCENTS = {
    "\u0300": "`",
    "\u0301": "'",
    "\u0302": "^",
    "\u0303": "~",
    "\u0304": "=",
    "\u0306": "u",
    "\u0307": ".",
    "\u0308": '"',
    "\u030a": "r",
    "\u030b": "H",
    "\u030c": "v",
    "\u0327": "c",
    "\u0328": "k",
}

_GREEK_COMMANDS = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
    "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi",
    "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi",
    "Psi", "Omega",
}  # fmt: skip

_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9]*")

#: Combining marks kept on one letter (Vietnamese stacks two); further ones are dropped.
MAX_MARKS = 2


def escape_text(text: str) -> str:
    """``text`` as LaTeX source that prints exactly that text (as far as pdfLaTeX can)."""
    out: list[str] = []
    marks = 0  # combining marks on the current letter
    for char in unicodedata.normalize("NFD", text):
        marks = marks + 1 if unicodedata.combining(char) else 0
        if marks > MAX_MARKS:
            continue
        if char in _ACCENTS and out:
            out[-1] = rf"\{_ACCENTS[char]}{{{out[-1]}}}"
        elif char in _SPECIAL:
            out.append(_SPECIAL[char])
        elif char in _SYMBOLS:
            out.append(_SYMBOLS[char])
        elif char in "\n\t\r":
            out.append(" ")
        elif " " <= char <= "~":
            out.append(char)
        else:
            out.append(_greek(char))
    return "".join(out)


def _greek(char: str) -> str:
    name = unicodedata.name(char, "")
    if name.startswith("GREEK ") and " LETTER " in name:
        letter = name.rsplit(" ", 1)[-1].lower()
        if "CAPITAL" in name:
            letter = letter.capitalize()
        if letter in _GREEK_COMMANDS:
            return rf"\ensuremath{{\{letter}}}"
    return "?"


def math_identifier(text: str) -> str:
    """A name part for math mode: letters and digits as they are, anything else as text."""
    if text in _GREEK_COMMANDS or text == "ell":
        return "\\" + text
    if _IDENTIFIER.fullmatch(text):
        return text if len(text) == 1 else rf"\mathrm{{{text}}}"
    return rf"\text{{{escape_text(text)}}}"
