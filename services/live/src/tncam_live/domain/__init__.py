"""Pure rules of the live edge: admission, codec paths, timelines, viewer queues, SDP lines."""
