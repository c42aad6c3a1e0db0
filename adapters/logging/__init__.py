"""adapters/logging package."""
