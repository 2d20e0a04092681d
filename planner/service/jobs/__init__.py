"""The jobs domain of the service (see planner.service)."""
