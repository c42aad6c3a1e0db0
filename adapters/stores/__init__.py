"""adapters/stores package."""
