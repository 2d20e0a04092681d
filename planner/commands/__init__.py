"""Commands of the ``planner`` command line defined in their own modules.

Each module defines click commands; ``planner/cli.py`` registers them, one
``cli.add_command(...)`` line each.
"""
