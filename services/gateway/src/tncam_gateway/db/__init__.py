"""PostgreSQL adapters of the gateway schema (accounts, sessions, throttles, grants)."""
