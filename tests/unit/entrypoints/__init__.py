"""CLI tests through the container with fakes."""
