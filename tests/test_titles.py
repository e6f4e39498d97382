"""Raw MovieLens titles -> display title, year and alternates."""

from __future__ import annotations

import pytest

from cinerec.data.titles import ParsedTitle, display_title, parse_title


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Toy Story (1995)", ParsedTitle("Toy Story", 1995, ())),
        ("Matrix, The (1999)", ParsedTitle("The Matrix", 1999, ())),
        ("Seven (a.k.a. Se7en) (1995)", ParsedTitle("Seven", 1995, ("Se7en",))),
        ("City of Lost Children, The (Cité des enfants perdus, La) (1995)",
         ParsedTitle("The City of Lost Children", 1995, ("La Cité des enfants perdus",))),
        ("Good, the Bad and the Ugly, The (Buono, il brutto, il cattivo, Il) (1966)",
         ParsedTitle("The Good, the Bad and the Ugly", 1966, ("Il Buono, il brutto, il cattivo",))),
        ("Star Maker, The (Uomo delle stelle, L') (1995)",
         ParsedTitle("The Star Maker", 1995, ("L'Uomo delle stelle",))),
        ("Double vie de Véronique, La (Double Life of Veronique, The) (1991)",
         ParsedTitle("La Double vie de Véronique", 1991, ("The Double Life of Veronique",))),
        # the year is the *last* four-digit group; ml-100k's "(V)" video marker after it is dropped
        ("Land Before Time III: The Time of the Great Giving (1995) (V)",
         ParsedTitle("Land Before Time III: The Time of the Great Giving", 1995, ())),
        ("1900 (Novecento) (1976)", ParsedTitle("1900", 1976, ("Novecento",))),
        ("(500) Days of Summer (2009)", ParsedTitle("(500) Days of Summer", 2009, ())),
        ("Fawlty Towers (1975-1979)", ParsedTitle("Fawlty Towers", 1975, ())),
        ("Hyena Road", ParsedTitle("Hyena Road", None, ())),
        ("Misérables, Les (1995)   ", ParsedTitle("Les Misérables", 1995, ())),
        ("unknown", ParsedTitle("unknown", None, ())),
        ("(1995)", ParsedTitle("(1995)", None, ())),
    ],
)
def test_parse_title(raw: str, expected: ParsedTitle) -> None:
    assert parse_title(raw) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Matrix, The", "The Matrix"),
        ("Christmas Story, A", "A Christmas Story"),
        ("American in Paris, An", "An American in Paris"),
        ("Boot, Das", "Das Boot"),
        ("Blaue Engel, Der", "Der Blaue Engel"),
        ("Blechtrommel, Die", "Die Blechtrommel"),
        ("Postino, Il", "Il Postino"),
        ("Haine, La", "La Haine"),
        ("Mépris, Le", "Le Mépris"),
        ("Visiteurs, Les", "Les Visiteurs"),
        ("Espinazo del diablo, El", "El Espinazo del diablo"),
        ("Oeil de Vichy, L'", "L'Oeil de Vichy"),
        # commas that are part of the title stay where they are
        ("Maybe, Maybe Not", "Maybe, Maybe Not"),
        ("Paris, Texas", "Paris, Texas"),
        ("I, Worst of All", "I, Worst of All"),
        ("Die Hard", "Die Hard"),
    ],
)
def test_display_title(title: str, expected: str) -> None:
    assert display_title(title) == expected
