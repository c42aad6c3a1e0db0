"""adapters/prompts package."""
