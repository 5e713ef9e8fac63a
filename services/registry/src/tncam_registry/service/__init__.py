"""The registry's use cases, one module per area, each taking the :class:`RegistryContext`."""
