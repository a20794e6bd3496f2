"""Fuzzing every reader of user input (the registry is tests/fuzz_readers.py).

Each reader gets at least 2,000 examples: structured inputs (valid shapes with bad
values) and raw text or bytes. Every input is accepted or refused with an
``LstmSymError`` (the command line: exit 2 and one ``lstm-sym: error:`` line).
"""

from __future__ import annotations

import os

import pytest
from fuzz_readers import READERS, Reader, read_one
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2000"))


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.name)
def test_reader_accepts_or_refuses_cleanly(reader: Reader) -> None:
    """Every fuzzed input is read or refused with the documented error, nothing else."""

    @settings(
        max_examples=min(EXAMPLES, reader.examples_in_tests or EXAMPLES),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(st.data())
    def run(data: st.DataObject) -> None:
        read_one(reader, data.draw(reader.inputs))

    run()
