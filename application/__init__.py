"""Use cases and the credential pipeline, written against the ports in ``aws_vault.application.ports``."""
