"""Use cases and the credential pipeline, written against the ports in ``application.ports``."""
