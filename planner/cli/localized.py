"""``planner --help`` in the reader's language.

Click takes a command's help from its docstring and an option's from ``help=``; both are
written in English in the code. They are catalogue sentences too: ``tools/catalog.py`` finds
them by walking the command tree (:func:`help_texts`), and :func:`localize` puts their
translations in place just before help is shown, so nothing is translated (and no catalogue is
read) for a command that only runs. The section headings click writes itself (Usage, Options,
Commands) come from :class:`LocalizedFormatter`.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Iterator

import click

from planner.i18n import N_, translations

HEADINGS: tuple[str, ...] = (
    N_("Usage:"),
    N_("Options"),
    N_("Commands"),
    N_("Positional arguments"),
)
"""The words of a help page that click writes itself."""

_MSGID = "_planner_msgid"


def _commands(command: click.Command) -> Iterator[click.Command]:
    yield command
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            yield from _commands(command.commands[name])


def help_texts(root: click.Command) -> Iterator[str]:
    """Every help text of ``root`` and its commands and options, as the catalogue holds it."""
    for command in _commands(root):
        for text in (command.help, command.short_help):
            if text:
                yield inspect.cleandoc(text)
        for param in command.params:
            text = getattr(param, "help", None)
            if text:
                yield inspect.cleandoc(text)
    yield "Show this message and exit."


def localize(root: click.Command, language: str) -> None:
    """Put the help texts of ``root``'s tree in ``language`` (from their English msgids)."""
    catalogue = translations(language)

    def translated(owner: object, attribute: str) -> None:
        original = getattr(owner, _MSGID + attribute, None)
        if original is None:
            original = getattr(owner, attribute, None)
            if not original:
                return
            original = inspect.cleandoc(original)
            setattr(owner, _MSGID + attribute, original)
        setattr(owner, attribute, catalogue.gettext(original))

    for command in _commands(root):
        translated(command, "help")
        translated(command, "short_help")
        for param in command.params:
            translated(param, "help")
    LocalizedFormatter.language = language


class LocalizedFormatter(click.HelpFormatter):
    """Click's help formatter, with its own headings in the context's language."""

    language = "en"

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None:
            prefix = translations(self.language).gettext("Usage:") + " "
        super().write_usage(prog, args, prefix)

    def write_heading(self, heading: str) -> None:
        super().write_heading(translations(self.language).gettext(heading))

    def write_dl(
        self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        # The --help option click makes for each command: its text as the catalogue has it.
        catalogue = translations(self.language)
        rows = [(term, catalogue.gettext(text) if text else text) for term, text in rows]
        super().write_dl(rows, col_max, col_spacing)
