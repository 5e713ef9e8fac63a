"""Pure registry logic: no I/O, time passed in."""
