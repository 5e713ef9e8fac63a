"""Other services over NATS: the registry (camera credentials)."""
