"""adapters/sts package."""
