"""``planner serve`` and ``planner users …``: the planning service's commands, defined in
:mod:`planner.service.commands` and registered here with the command line."""

from planner.cli.app import cli
from planner.service.commands import serve, users

cli.add_command(serve)
cli.add_command(users)
