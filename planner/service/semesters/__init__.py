"""The semesters domain of the service (see planner.service)."""
