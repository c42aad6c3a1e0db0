"""Use cases: one imperative class per command, each with a single ``__call__``."""
