"""What the registry writes to NATS: the outbox relay and the camera_config KV bucket."""
