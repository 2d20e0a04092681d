"""The accounts domain of the service (see planner.service)."""
