"""The package version, in one place: the package, the command line and pyproject.toml read it."""

__version__ = "0.1.0"
