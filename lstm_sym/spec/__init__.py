"""Stage 1, DEFINE: what one step of a cell computes, as data and registries.

Activations, cells (the built-in library and the custom-cell language in ``custom/``),
output heads and losses: each a record in a :class:`~lstm_sym.spec.registry.Registry`, so a
new variant is one registration. Nothing here reads files or evaluates numbers; this package
imports only the shared vocabulary (``equations``, ``names``, ``numbers``, ``errors``,
``limits``). Importing it registers the built-in cells (:mod:`lstm_sym.spec.builtin`).
"""

from . import builtin as builtin
