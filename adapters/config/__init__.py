"""adapters/config package."""
