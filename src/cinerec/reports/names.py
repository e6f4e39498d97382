"""How the reports name cinerec's parts to a reader.

Components, build steps and settings have short keys in the code (``also_liked``,
``collaborative_seen``); a report shows what they are to a person who likes movies.
"""

from __future__ import annotations

#: Component keys and build steps → what a reader calls them.
PARTS: dict[str, str] = {
    "read": "Reading the data",
    "count": "Counting ratings and likes",
    "popular": "Most popular",
    "content": "Similar in content",
    "also_liked": "Fans also liked",
    "people_like_you": "Popular with people like you",
    "collaborative": "Liked together (EASE)",
    "collaborative_seen": "Watched together (EASE)",
    "mainstream": "Blockbuster penalty",
    "rising": "Rising lately",
    "fans": "Fellow fans of a newcomer's movies",
    "write": "Writing the model",
    "report": "Writing this report",
}


def part_name(key: str) -> str:
    """The reader's name for a component or build step (a key not listed reads as words)."""
    return PARTS.get(key, key.replace("_", " "))
