"""NATS adapters: the segment hand-off (with its disk spool and drop audit), camera events,
the lease and worker KV buckets."""
