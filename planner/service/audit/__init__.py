"""The audit domain of the service (see planner.service)."""
