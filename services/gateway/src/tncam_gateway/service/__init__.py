"""Use cases of the gateway: each one composes the domain, the database and the audit log."""
