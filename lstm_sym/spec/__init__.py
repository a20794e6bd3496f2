"""Stage 1, DEFINE: what one step of a cell computes, as data and registries.

Activations, cells (the built-in library and the custom-cell language in ``custom/``),
output heads and losses. Nothing here reads files or evaluates numbers; this package imports
only the shared vocabulary (``equations``, ``names``, ``numbers``, ``errors``, ``limits``).
"""
