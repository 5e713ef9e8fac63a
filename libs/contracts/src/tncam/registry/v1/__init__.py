"""Generated protobuf package tncam.registry.v1 (from proto/; do not edit, run make proto)."""
