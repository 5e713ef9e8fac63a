"""Object-store adapter: object-locked copies of signed checkpoints."""
