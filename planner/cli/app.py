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
from planner.cli.localized import LocalizedFormatter, localize
from planner.i18n import language_from_environment, normalise, use_language


def _set_language(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    """``--lang``, else the locale (``LANG=zh_CN.UTF-8`` → Chinese), for every message the
    command prints and every file it writes. Eager, so that it is set before the other
    options are read (their errors are said in the chosen language)."""
    language = (normalise(value) if value else language_from_environment()) or "en"
    # For as long as the command runs: a command invoked in-process (tests, notebooks) leaves
    # the caller's language as it was.
    ctx.with_resource(use_language(language))
    ctx.meta[LANGUAGE_KEY] = language
    localize(ctx.find_root().command, language)
    return language


class Planner(click.Group):
    """The ``planner`` group: its help (``planner --help`` before any ``--lang``) in the
    language of ``--lang``, else the locale."""

    def get_help(self, ctx: click.Context) -> str:
        language = ctx.meta.get(LANGUAGE_KEY) or language_from_environment()
        localize(self, language)
        return super().get_help(ctx)


LANGUAGE_KEY = "planner.language"
click.Context.formatter_class = LocalizedFormatter  # click's own headings, translated


@click.group(cls=Planner, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default=None,
    is_eager=True,
    expose_value=False,
    callback=_set_language,
    help="Language of messages and files: zh (简体中文) or en [the locale: LANG].",
)
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
