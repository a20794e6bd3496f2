"""The custom-cell language: equations written as text, parsed without ``eval`` and lowered
to a :class:`~lstm_sym.spec.cells.Cell`. Imports ``spec`` and the shared vocabulary only."""
