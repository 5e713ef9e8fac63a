"""Pure domain logic of the gateway: no I/O, plain values and an explicit clock."""
