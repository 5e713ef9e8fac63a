"""Object store adapter (snapshots)."""
