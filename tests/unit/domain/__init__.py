"""tests/unit/domain package."""
