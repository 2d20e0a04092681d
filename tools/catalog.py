"""Keep the message catalogue up to date: extract, merge, fill English, compile.

    python tools/catalog.py          # after adding or changing sentences in code or templates
    python tools/catalog.py --check  # exit 1 naming what is stale or untranslated (tests use it)

Extracts every sentence marked with ``_``/``gettext``/``ngettext``/``pgettext``/``N_`` from
``planner/**/*.py`` and the service's Jinja2 templates (``planner/**/templates/**/*.html``),
merges them into ``planner/locale/{zh,en}/LC_MESSAGES/planner.po`` (English is the source
language: its translations are the sentences themselves), drops sentences no longer used, and
compiles the ``.mo`` files the package loads. Chinese translations are written by hand in
``zh/LC_MESSAGES/planner.po``.
"""

from __future__ import annotations

import argparse
import datetime
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "planner"
LOCALE = PACKAGE / "locale"
DOMAIN = "planner"
FIXED_DATE = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)
"""Header dates are fixed, so the files change only when a sentence does."""
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "N_": None,
}
METHODS = [
    ("**/locale/**", "ignore"),
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2"),
]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}


def extract() -> Catalog:
    """Every marked sentence of the package, with where it is used."""
    catalog = Catalog(
        project="planner", domain=DOMAIN, creation_date=FIXED_DATE, revision_date=FIXED_DATE
    )
    for filename, lineno, message, comments, context in extract_from_dir(
        str(PACKAGE), METHODS, keywords=KEYWORDS, options_map=OPTIONS, strip_comment_tags=True
    ):
        catalog.add(
            message,
            None,
            [(f"planner/{filename}", lineno)],
            auto_comments=comments,
            context=context,
        )
    for text in click_help():
        catalog.add(text, None, [("planner/cli/localized.py", 0)])
    return catalog


def click_help() -> list[str]:
    """The help texts of the command line (command docstrings, ``help=`` of options), which
    no extractor sees: found by walking the command tree (see planner.cli.localized)."""
    sys.path.insert(0, str(ROOT))
    from planner.cli import cli
    from planner.cli.localized import help_texts

    return list(dict.fromkeys(help_texts(cli)))


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def load(language: str) -> Catalog:
    path = po_path(language)
    if not path.is_file():
        return Catalog(
            locale=language,
            project="planner",
            domain=DOMAIN,
            creation_date=FIXED_DATE,
            revision_date=FIXED_DATE,
            copyright_holder="the planner authors",
        )
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


def merged(language: str, template: Catalog) -> Catalog:
    """The language's catalogue updated to ``template``; English filled with the sentences."""
    catalog = load(language)
    catalog.update(template, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    catalog.revision_date = FIXED_DATE
    catalog.fuzzy = False
    if language == "en":
        for message in catalog:
            if message.id:
                message.string = message.id
                message.flags.discard("fuzzy")
    return catalog


def po_bytes(catalog: Catalog) -> bytes:
    """The ``.po`` text: sorted by sentence and without source locations, so that moving code
    leaves it unchanged and branches that add sentences merge without conflicts."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, sort_output=True, omit_header=False, no_location=True)
    return buffer.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def untranslated(catalog: Catalog) -> list[str]:
    """Sentences of ``catalog`` with no translation (or only a fuzzy one)."""
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def problems() -> list[str]:
    """What is stale or untranslated, one line each; empty when the catalogue is complete."""
    template = extract()
    out = []
    for language in ("zh", "en"):
        catalog = merged(language, template)
        po, mo = po_path(language), po_path(language).with_suffix(".mo")
        if not po.is_file() or po.read_bytes() != po_bytes(catalog):
            out.append(f"{po.relative_to(ROOT)} is stale: run python tools/catalog.py")
        if not mo.is_file() or mo.read_bytes() != mo_bytes(catalog):
            out.append(f"{mo.relative_to(ROOT)} is stale: run python tools/catalog.py")
        out.extend(f"{language}: no translation for {text!r}" for text in untranslated(catalog))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report, write nothing")
    args = parser.parse_args()
    if args.check:
        lines = problems()
        print("\n".join(lines) or "the catalogue is complete")
        return 1 if lines else 0
    template = extract()
    for language in ("zh", "en"):
        catalog = merged(language, template)
        po_path(language).parent.mkdir(parents=True, exist_ok=True)
        po_path(language).write_bytes(po_bytes(catalog))
        po_path(language).with_suffix(".mo").write_bytes(mo_bytes(catalog))
        missing = untranslated(catalog)
        print(f"{language}: {len(catalog)} sentences, {len(missing)} without translation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
