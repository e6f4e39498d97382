"""MovieLens titles as a person would write them.

Every release spells a title the way a library card catalogue does:
``City of Lost Children, The (Cité des enfants perdus, La) (1995)`` puts the article
last, adds alternate (foreign or "a.k.a.") titles in parentheses and ends with the year.
People type "The City of Lost Children", so readers split the raw title into a display
title, a year and the alternates, and search matches any of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Articles MovieLens moves to the end of a title ("Matrix, The"), in the languages it uses.
ARTICLES: tuple[str, ...] = (
    "The", "A", "An",                        # English
    "Les", "La", "Le", "L'", "Une", "Un",    # French
    "Il", "Lo", "Gli", "I", "Una", "Uno",    # Italian
    "Das", "Der", "Die", "Den", "Ein", "Eine",  # German
    "El", "Los", "Las",                      # Spanish
    "O", "Os", "As",                         # Portuguese
    "De", "Het", "Een", "Det",               # Dutch, Scandinavian
)

_TRAILING_ARTICLE = re.compile(
    r"^(?P<body>.+?),\s*(?P<article>" + "|".join(re.escape(a) for a in ARTICLES) + r")$"
)
#: A year group: ``(1995)``, also the ranges of TV series in ml-latest: ``(1975-1979)``, ``(2016– )``.
_YEAR_GROUP = re.compile(r"\(\s*(\d{4})(?:\s*[-–]\s*(?:\d{4})?)?\s*\)")
_AKA_PREFIX = re.compile(r"^(?:a\.\s?k\.\s?a\.|aka\b)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedTitle:
    """A raw MovieLens title split into what a person reads and searches for."""

    title: str
    year: int | None
    alt_titles: tuple[str, ...]


def parse_title(raw: str) -> ParsedTitle:
    """Split a raw MovieLens title into display title, year and alternate titles.

    The year is the *last* parenthesised four-digit group (anything after it, such as
    ml-100k's video marker in ``Land Before Time III (1995) (V)``, is dropped); the
    parenthesised groups that end what remains are alternate titles, with any
    "a.k.a." removed. Articles are moved back to the front of every part.

    >>> parse_title("City of Lost Children, The (Cité des enfants perdus, La) (1995)")
    ParsedTitle(title='The City of Lost Children', year=1995, alt_titles=('La Cité des enfants perdus',))
    >>> parse_title("Seven (a.k.a. Se7en) (1995)")
    ParsedTitle(title='Seven', year=1995, alt_titles=('Se7en',))
    """
    text = " ".join(raw.split())
    year = None
    year_groups = list(_YEAR_GROUP.finditer(text))
    if year_groups and text[: year_groups[-1].start()].strip():
        year = int(year_groups[-1].group(1))
        text = text[: year_groups[-1].start()].rstrip()
    main, alternates = _split_trailing_groups(text)
    alt_titles = tuple(display_title(_AKA_PREFIX.sub("", alt)) for alt in alternates)
    return ParsedTitle(display_title(main), year, tuple(alt for alt in alt_titles if alt))


def display_title(title: str) -> str:
    """Move a trailing article back to the front: ``"Matrix, The"`` -> ``"The Matrix"``.

    ``L'`` joins without a space (``"Uomo delle stelle, L'"`` -> ``"L'Uomo delle stelle"``).
    Only a whole article after the last comma moves, so ``"Maybe, Maybe Not"`` stays.
    """
    title = " ".join(title.split())
    match = _TRAILING_ARTICLE.match(title)
    if match is None:
        return title
    article, body = match.group("article"), match.group("body")
    return f"{article}{body}" if article.endswith("'") else f"{article} {body}"


def _split_trailing_groups(text: str) -> tuple[str, list[str]]:
    """Peel balanced ``(...)`` groups off the end of ``text``; the rest is the main title.

    A group is only peeled while some title remains before it, so a title that *is*
    parenthesised, or starts with a group like ``(500) Days of Summer``, stays whole.
    """
    alternates: list[str] = []
    while text.endswith(")"):
        start = _matching_open_paren(text)
        if start is None or not text[:start].strip():
            break
        alternates.insert(0, text[start + 1 : -1].strip())
        text = text[:start].rstrip()
    return text, alternates


def _matching_open_paren(text: str) -> int | None:
    """Index of the ``(`` that closes with the final ``)`` of ``text``, or None if unbalanced."""
    depth = 0
    for index in range(len(text) - 1, -1, -1):
        if text[index] == ")":
            depth += 1
        elif text[index] == "(":
            depth -= 1
            if depth == 0:
                return index
    return None
