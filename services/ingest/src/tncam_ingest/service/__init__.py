"""Use cases: one camera's life on this worker, the worker's cameras, the lease rounds."""
