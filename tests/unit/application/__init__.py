"""tests/unit/application package."""
