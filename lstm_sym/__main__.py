"""``python -m lstm_sym`` runs the command line."""

from .cli import main

raise SystemExit(main())
