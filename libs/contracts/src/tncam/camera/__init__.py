"""Generated protobuf package tncam.camera (from proto/; do not edit, run make proto)."""
