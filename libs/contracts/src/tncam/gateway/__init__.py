"""Generated protobuf package tncam.gateway (from proto/; do not edit, run make proto)."""
