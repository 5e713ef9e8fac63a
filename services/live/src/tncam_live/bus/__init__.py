"""Core NATS of live view (ADR 0020): access units in, demands out."""
