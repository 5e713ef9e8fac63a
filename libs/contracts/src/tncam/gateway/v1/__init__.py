"""Generated protobuf package tncam.gateway.v1 (from proto/; do not edit, run make proto)."""
