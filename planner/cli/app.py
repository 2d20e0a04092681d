"""The ``planner`` command line: the click group every command registers with, and the entry
point.

Each command family lives in its own module of :mod:`planner.cli` and registers itself with
:data:`cli` when :mod:`planner.cli` imports it (as frictionless-py's console package does);
:mod:`planner.cli.common` holds what they share.
"""

from __future__ import annotations

import contextlib
import os
import sys

import click

from planner.cli.common import echo_err


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="planner")
def cli() -> None:
    """Plan which cadre keeps in touch with which class, dorm, society or party branch."""


def main() -> None:
    """Entry point of the ``planner`` console command.

    Ends the process at once when the command is done (:func:`os._exit`, after flushing the
    output): every file is written and closed by then, and the interpreter's own clean-up
    of pandas, OR-Tools and the rest would add a third of a second to every command.
    """
    try:
        cli()
        code: int | str | None = 0
    except SystemExit as exc:
        code = exc.code
    if isinstance(code, str):  # what sys.exit("text") does: the text on stderr, status 1
        echo_err(code)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(code if isinstance(code, int) else 0 if code is None else 1)
