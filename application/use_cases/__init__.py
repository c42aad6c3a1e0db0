"""application/use_cases package."""
