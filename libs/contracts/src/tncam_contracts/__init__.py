"""tncam_contracts: the generated protobuf messages (package ``tncam``) and the catalog of
every NATS subject, JetStream stream and KV bucket (:mod:`tncam_contracts.catalog`)."""

from .catalog import (
    EVENTS,
    HEADER_MSG_ID,
    HEADER_TYPE,
    KV_BUCKETS,
    REQUESTS,
    STREAMS,
    EventSpec,
    KVSpec,
    RequestSpec,
    StreamSpec,
    UnknownMessageTypeError,
    check_namespace,
    message_for_type,
    subject,
    type_name,
)

__all__ = [
    "EVENTS",
    "HEADER_MSG_ID",
    "HEADER_TYPE",
    "KV_BUCKETS",
    "REQUESTS",
    "STREAMS",
    "EventSpec",
    "KVSpec",
    "RequestSpec",
    "StreamSpec",
    "UnknownMessageTypeError",
    "check_namespace",
    "message_for_type",
    "subject",
    "type_name",
]
