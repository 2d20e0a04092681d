"""planner: who keeps in touch with which class, dorm room, society or party branch.

The Student Affairs Office (SAO) and the colleges run it every semester. The flow is
read → validate → problem → model → solve → plan → check / write / plot.
"""

__version__ = "0.1.0"
