"""Generated protobuf package tncam.camera.v1 (from proto/; do not edit, run make proto)."""
