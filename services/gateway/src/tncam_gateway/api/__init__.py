"""HTTP edge of the gateway: routes decode, call one use case, map errors to problems."""
