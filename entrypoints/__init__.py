"""Entry points: the CLI and the HTTP servers, wired by ``entrypoints.container``."""

__version__ = "0.1.0"
