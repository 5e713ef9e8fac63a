"""Pure logic of the audit log: Merkle tree, signed checkpoints, verification, views."""
