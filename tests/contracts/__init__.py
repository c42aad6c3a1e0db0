"""tests/contracts package."""
