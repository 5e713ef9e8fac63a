"""Generated protobuf package tncam.live (from proto/; do not edit, run make proto)."""
