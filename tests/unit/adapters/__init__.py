"""tests/unit/adapters package."""
