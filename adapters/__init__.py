"""Adapters: the ports implemented with boto3, keyring, jwcrypto, terminals and files."""
