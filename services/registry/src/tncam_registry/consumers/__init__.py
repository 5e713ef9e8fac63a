"""JetStream consumers of the registry."""
