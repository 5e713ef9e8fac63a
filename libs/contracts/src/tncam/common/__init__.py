"""Generated protobuf package tncam.common (from proto/; do not edit, run make proto)."""
