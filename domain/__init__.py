"""The domain: profiles, role chains, plans, sessions, credentials, events, errors. Stdlib only, no I/O."""
