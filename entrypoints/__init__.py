"""Entry points: the CLI and the HTTP servers, wired by ``entrypoints.container``."""
