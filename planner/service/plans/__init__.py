"""The plans domain of the service (see planner.service)."""
