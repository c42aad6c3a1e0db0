"""entrypoints/cli package."""
