"""Generated protobuf code of tncam contracts (see proto/)."""
