"""Hypothesis fuzzers (issue 12, "Proof"): hostile config files, environment variables, credential_process
output and cache items. The property everywhere: a correct result, or an ``AwsVaultError`` whose message is
one line; never another exception, never a hang. ``tests/fuzz/support.py`` holds what they share."""
