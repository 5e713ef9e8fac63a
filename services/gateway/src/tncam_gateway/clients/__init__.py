"""Clients of the other services over NATS: registry, recorder, audit, camera snapshots."""
