"""Generated protobuf package tncam.registry (from proto/; do not edit, run make proto)."""
