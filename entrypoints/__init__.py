"""Entry points: the CLI, the HTTP servers and the public API, over one wiring (``wiring.py``)."""
