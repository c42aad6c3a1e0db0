"""tests/unit/scripts package."""
