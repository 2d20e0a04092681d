"""``planner serve``, ``planner users …``, ``planner backup`` and ``planner restore``: the
planning service's commands, defined in :mod:`planner.service.commands` and registered here
with the command line."""

from planner.cli.app import cli
from planner.service.commands import backup, restore, serve, users

cli.add_command(serve)
cli.add_command(users)
cli.add_command(backup)
cli.add_command(restore)
