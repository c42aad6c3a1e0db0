"""IAM Identity Center adapters (SSO portal and SSO-OIDC)."""
