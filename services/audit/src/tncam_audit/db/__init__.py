"""PostgreSQL adapters of the audit service (asyncpg: COPY for appends, streaming reads)."""
