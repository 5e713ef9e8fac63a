"""The registry's NATS request/reply operations."""
