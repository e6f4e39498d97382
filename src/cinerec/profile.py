"""What a person tells cinerec about themselves, checked and put in canonical terms.

People say "male", "32", "software engineer", "k1a 0b1" and "die hard"; the models
know ``M``, the band ``25-34``, ``programmer``, ``K1A0B1`` and movie 144. The
``parse_*`` functions translate one field each into the vocabulary of
:mod:`cinerec.data.vocabulary` (so a profile speaks the same terms as every dataset)
and raise :class:`~cinerec.errors.QueryError` with a one-line message naming the field
and what it accepts. :meth:`Profile.from_inputs` does all fields at once and resolves
movie titles through a :class:`~cinerec.catalogue.Catalogue`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import pandas as pd
from rapidfuzz import fuzz, process

from cinerec.data import vocabulary as vocab
from cinerec.errors import QueryError

if TYPE_CHECKING:
    from cinerec.catalogue import Catalogue

T = TypeVar("T")
V = TypeVar("V")

EMPTY_PROFILE_MESSAGE = ("tell me a movie you like or something about yourself: "
                         "--like, --gender, --age, --occupation or --zip")

GENDER_WORDS: dict[str, str] = {
    "m": "M", "male": "M", "man": "M", "boy": "M",
    "f": "F", "female": "F", "woman": "F", "girl": "F",
}

MIN_AGE, MAX_AGE = 1, 120

#: Everyday words for the canonical occupations (beyond the canonical names themselves,
#: the parts of the two-part ones such as "sales" or "health care", and ml-100k's words).
OCCUPATION_SYNONYMS: dict[str, str] = {
    **dict.fromkeys(("software engineer", "software developer", "developer", "coder", "software",
                     "web developer", "computer programmer", "it", "sysadmin", "data engineer"), "programmer"),
    **dict.fromkeys(("nurse", "physician", "dentist", "pharmacist", "surgeon", "medic", "paramedic",
                     "therapist", "vet", "veterinarian", "health", "medicine"), "doctor/health care"),
    **dict.fromkeys(("teacher", "professor", "lecturer", "tutor", "academic", "teaching"), "academic/educator"),
    **dict.fromkeys(("college student", "grad student", "graduate student", "university student",
                     "phd student", "undergraduate", "undergrad", "postgrad"), "college/grad student"),
    **dict.fromkeys(("high school student", "school student", "schoolkid", "pupil", "k12 student"),
                    "K-12 student"),
    **dict.fromkeys(("jobless", "out of work", "between jobs", "no job", "unemployed"), "unemployed"),
    **dict.fromkeys(("sales", "salesperson", "saleswoman", "sales rep", "marketer", "advertising"),
                    "sales/marketing"),
    **dict.fromkeys(("mechanic", "plumber", "electrician", "carpenter", "builder", "welder",
                     "construction worker", "craftsman", "tradesman", "tradesperson"), "tradesman/craftsman"),
    **dict.fromkeys(("engineer", "technician", "mechanical engineer", "civil engineer", "electrical engineer"),
                    "technician/engineer"),
    **dict.fromkeys(("ceo", "cfo", "cto", "manager", "executive", "director", "management", "managing director"),
                    "executive/managerial"),
    **dict.fromkeys(("actor", "actress", "musician", "designer", "painter", "singer", "photographer",
                     "dancer", "filmmaker", "entertainer"), "artist"),
    **dict.fromkeys(("clerk", "secretary", "admin", "receptionist", "office worker", "assistant",
                     "administrative assistant"), "clerical/admin"),
    **dict.fromkeys(("call center", "cashier", "waiter", "waitress", "retail", "support"), "customer service"),
    **dict.fromkeys(("rancher", "farm worker"), "farmer"),
    **dict.fromkeys(("housewife", "househusband", "stay at home parent", "stay at home mom", "stay at home dad"),
                    "homemaker"),
    **dict.fromkeys(("attorney", "solicitor", "barrister"), "lawyer"),
    **dict.fromkeys(("retiree", "pensioner"), "retired"),
    **dict.fromkeys(("researcher", "physicist", "chemist", "biologist", "mathematician"), "scientist"),
    **dict.fromkeys(("freelancer", "freelance", "entrepreneur", "business owner", "self employed"), "self-employed"),
    **dict.fromkeys(("author", "journalist", "novelist", "editor", "blogger"), "writer"),
    # Beyond the everyday names above, words that belong to one category as the US census
    # groups occupations: accountants, auditors and bankers are "management, business and
    # financial" work; architects are "architecture and engineering"; judges and paralegals
    # are "legal"; fishing goes with farming; cooks, bakers and butchers, like tailors and
    # masons, practise a trade learnt by apprenticeship; bar and café staff serve customers.
    **dict.fromkeys(("accountant", "auditor", "banker", "financial analyst", "finance", "consultant",
                     "business", "businessman", "businesswoman", "business analyst"), "executive/managerial"),
    **dict.fromkeys(("bookkeeper", "typist", "data entry", "office administrator"), "clerical/admin"),
    **dict.fromkeys(("chef", "cook", "baker", "butcher", "tailor", "mason", "bricklayer", "roofer", "machinist",
                     "locksmith", "blacksmith", "jeweler", "house painter", "decorator"), "tradesman/craftsman"),
    **dict.fromkeys(("bartender", "barista", "server", "flight attendant", "shop assistant", "sales assistant"),
                    "customer service"),
    **dict.fromkeys(("architect", "lab technician"), "technician/engineer"),
    **dict.fromkeys(("caregiver", "carer", "midwife", "psychologist", "psychiatrist", "optometrist",
                     "physiotherapist"), "doctor/health care"),
    **dict.fromkeys(("instructor", "principal", "teaching assistant"), "academic/educator"),
    **dict.fromkeys(("high schooler", "middle school student", "schoolboy", "schoolgirl"), "K-12 student"),
    **dict.fromkeys(("fisherman", "farmhand", "agriculture"), "farmer"),
    **dict.fromkeys(("judge", "paralegal"), "lawyer"),
    **dict.fromkeys(("reporter", "poet", "screenwriter", "translator", "copywriter"), "writer"),
    **dict.fromkeys(("animator", "illustrator", "composer", "comedian", "film director", "movie director"),
                    "artist"),
    **dict.fromkeys(("job seeker", "looking for work"), "unemployed"),
}
#: Occupations a person may well name that none of MovieLens' 21 categories fits
#: (protective services, the armed forces, transport, the clergy, sport): counted as
#: "other", with a note, rather than forced into a category they are not, and listed so
#: that a close spelling of another word never claims them ("soldier" is no "solicitor").
OTHER_OCCUPATIONS: tuple[str, ...] = (
    "police officer", "policeman", "policewoman", "police", "cop", "detective", "firefighter", "fireman",
    "security guard", "soldier", "military", "army", "navy", "air force", "marine", "pilot", "driver",
    "truck driver", "taxi driver", "bus driver", "delivery driver", "courier", "priest", "pastor", "clergy",
    "athlete",
)
#: The longest occupation understood (as the web API accepts): the phrase search grows
#: with the square of the words.
MAX_OCCUPATION_CHARACTERS = 60
#: A misspelt occupation is accepted from this rapidfuzz ratio on ("progammer": 95).
OCCUPATION_FUZZY_SCORE = 80.0

_WORDS = re.compile(r"[^a-z0-9]+")
_US_ZIP = re.compile(r"^(\d{5})(?:-?(\d{4}))?$")
#: Canadian postal codes (letters D F I O Q U never occur); ml-100k keeps only the first five characters.
_CANADIAN_POSTAL_CODE = re.compile(r"^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\d[ABCEGHJ-NPRSTV-Z]\d?$")


def _occupation_key(text: str) -> str:
    return _WORDS.sub(" ", text.lower()).strip()


def _occupation_words() -> dict[str, str]:
    """Every accepted word or phrase (as :func:`_occupation_key`) → canonical occupation."""
    words: dict[str, str] = {}
    for name in vocab.OCCUPATIONS:
        words[_occupation_key(name)] = name
        for part in name.split("/"):
            words.setdefault(_occupation_key(part), name)
    for source in (vocab.OCCUPATION_FROM_ML100K, OCCUPATION_SYNONYMS, dict.fromkeys(OTHER_OCCUPATIONS, "other")):
        for word, name in source.items():
            words.setdefault(_occupation_key(word), name)
    return words


_OCCUPATION_WORDS = _occupation_words()


def parse_gender(text: str) -> str:
    """``"m"``, ``"male"``, ``"Woman"`` … → ``"M"`` or ``"F"`` (the releases' only two values)."""
    gender = GENDER_WORDS.get(str(text).strip().lower())
    if gender is None:
        raise QueryError(f"gender must be M or F, got '{text}'")
    return gender


def parse_age(value: int | float | str) -> str:
    """An age in years (or an age band label such as ``"25-34"``) → its ml-1m age band."""
    if isinstance(value, str) and value.strip() in vocab.AGE_BANDS:
        return value.strip()
    try:
        years = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        raise QueryError(f"age must be a number of years, got '{value}'") from None
    if not MIN_AGE <= years <= MAX_AGE:  # also rejects NaN
        raise QueryError(f"age must be between {MIN_AGE} and {MAX_AGE} years, got '{value}'")
    return vocab.age_band_of(years)


def parse_occupation(text: str, age_band: str | None = None) -> str:
    """What a person does → one of :data:`cinerec.data.vocabulary.OCCUPATIONS` (see
    :func:`understand_occupation`; this drops its note)."""
    return understand_occupation(text, age_band)[0]


def understand_occupation(text: str, age_band: str | None = None) -> tuple[str, str | None]:
    """What a person does → one of :data:`cinerec.data.vocabulary.OCCUPATIONS`, and a note
    for them when it was not theirs to say (``None`` when it was).

    Tried in order: the whole phrase ("college/grad student", ml-100k's "healthcare",
    "software engineer", "accountant"); a close spelling of it ("progammer", "sofware
    engineer" — before parts, or "engineer" would win); its longest known part, rightmost
    first ("senior software engineer" → "software engineer"). Anything else, and the
    occupations no category fits (:data:`OTHER_OCCUPATIONS`), counts as "other" with a
    note. A "student" in the ``age_band`` "under 18" is a K-12 student, as in ml-100k.
    Raises :class:`QueryError` only for text with no word in it ("", "42", "?!").
    """
    if len(str(text)) > MAX_OCCUPATION_CHARACTERS:
        raise QueryError(f"occupation must be at most {MAX_OCCUPATION_CHARACTERS} characters, "
                         f"got {len(str(text)):,}")
    key = _occupation_key(str(text))
    if not any(char.isalpha() for char in key):
        raise QueryError(f"unknown occupation '{text}'; say one of {', '.join(vocab.OCCUPATIONS)} "
                         f"(everyday words such as nurse, teacher or developer work too)")
    known = _known_occupation_phrase(key)
    if known is None or (_OCCUPATION_WORDS[known] == "other" and known != "other"):
        return "other", f"'{' '.join(str(text).split())}' is not one of MovieLens' occupations; counted as other"
    if known == "student" and age_band == vocab.AGE_BANDS[0]:
        return "K-12 student", None
    return _OCCUPATION_WORDS[known], None


def _known_occupation_phrase(key: str) -> str | None:
    """The accepted word or phrase that ``key`` is, resembles or contains (see :func:`understand_occupation`)."""
    if key in _OCCUPATION_WORDS:
        return key
    close = process.extractOne(key, _OCCUPATION_WORDS.keys(), scorer=fuzz.ratio, processor=None,
                               score_cutoff=OCCUPATION_FUZZY_SCORE)
    if close is not None:
        return str(close[0])
    words = key.split()
    phrases = (" ".join(words[start:start + size]) for size in range(len(words) - 1, 0, -1)
               for start in range(len(words) - size, -1, -1))
    return next((phrase for phrase in phrases if phrase in _OCCUPATION_WORDS), None)


def parse_zip(text: str) -> str:
    """A US zip code (``"87103"``, ``"87103-1234"``) or Canadian postal code (``"k1a 0b1"``)
    → canonical form (``"87103"``, ``"87103-1234"``, ``"K1A0B1"``)."""
    compact = re.sub(r"\s+", "", str(text)).upper()
    us = _US_ZIP.match(compact)
    if us is not None:
        return us[1] if us[2] is None else f"{us[1]}-{us[2]}"
    if _CANADIAN_POSTAL_CODE.match(compact):
        return compact
    raise QueryError(f"zip must be a US zip code (87103 or 87103-1234) or a Canadian postal code "
                     f"(K1A 0B1), got '{text}'")


#: Largest user id accepted: MovieLens ids are 32-bit signed integers.
MAX_USER_ID = 2**31 - 1


def parse_user_id(value: int | str) -> int:
    """A known user's id: a positive whole number (whether it exists is the model's to say)."""
    text = str(value).strip()
    user_id = int(text) if text.isascii() and text.isdigit() else 0
    if not 0 < user_id <= MAX_USER_ID:
        raise QueryError(f"user id must be a whole number from 1 to {MAX_USER_ID:,}, got '{value}'")
    return user_id


@dataclass(frozen=True)
class Profile:
    """One person to recommend for: movies they liked and disliked (MovieLens ids),
    their demographics in canonical terms (``None`` = not said) and, for a person in
    the training data, their ``user_id``."""

    liked: tuple[int, ...] = ()
    disliked: tuple[int, ...] = ()
    gender: str | None = None
    age_band: str | None = None
    occupation: str | None = None
    zip: str | None = None
    user_id: int | None = None

    def has_demographics(self) -> bool:
        return any(value is not None for value in (self.gender, self.age_band, self.occupation, self.zip))

    def is_empty(self) -> bool:
        """Nothing to recommend from: no movies, no demographics, no known user."""
        return not (self.liked or self.disliked or self.has_demographics() or self.user_id is not None)

    def demographics_frame(self) -> pd.DataFrame:
        """One row with ``gender``, ``age_band``, ``occupation``, ``zip`` in the dtypes of
        a dataset's users table (missing = NA), ready for a :class:`QueryBatch`."""
        return pd.DataFrame({
            "gender": vocab.gender_categorical(pd.Series([self.gender], dtype=object)),
            "age_band": vocab.age_band_categorical(pd.Series([self.age_band], dtype=object)),
            "occupation": vocab.occupation_categorical(pd.Series([self.occupation], dtype=object)),
            "zip": pd.Series([self.zip], dtype=object),
        })

    @classmethod
    def from_inputs(
        cls,
        catalogue: Catalogue,
        likes: Sequence[str | int] = (),
        dislikes: Sequence[str | int] = (),
        gender: str | None = None,
        age: int | float | str | None = None,
        occupation: str | None = None,
        zip: str | None = None,  # noqa: A002 - the field's name everywhere else
        user_id: int | str | None = None,
    ) -> tuple[Profile, list[str]]:
        """Check and translate everything a person said; returns the profile and notes to
        show them (how ambiguous or misspelt titles were understood, an occupation counted
        as "other").

        Titles are resolved with :meth:`Catalogue.resolve`; an ``int`` is taken as a movie
        id. Blank fields count as not given; a "student" under 18 is a K-12 student. Raises
        :class:`QueryError` for any bad field, a movie both liked and disliked, or a
        profile with nothing in it.
        """
        notes: list[str] = []
        liked = _movies(catalogue, likes, "--like", notes)
        disliked = _movies(catalogue, dislikes, "--dislike", notes)
        both = [movie_id for movie_id in liked if movie_id in disliked]
        if both:
            raise QueryError(f"{catalogue.label(both[0])} is both liked and disliked; keep one of --like or --dislike")
        age_band = _parsed(age, parse_age)
        understood = _parsed(occupation, lambda text: understand_occupation(text, age_band))
        if understood is not None and understood[1] is not None:
            notes.append(understood[1])
        profile = cls(
            liked=liked,
            disliked=disliked,
            gender=_parsed(gender, parse_gender),
            age_band=age_band,
            occupation=None if understood is None else understood[0],
            zip=_parsed(zip, parse_zip),
            user_id=_parsed(user_id, parse_user_id),
        )
        if profile.is_empty():
            raise QueryError(EMPTY_PROFILE_MESSAGE)
        return profile, notes


def _parsed(value: V | None, parse: Callable[[V], T]) -> T | None:
    """``parse(value)``, or ``None`` when the field was not given (absent or blank)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse(value)


def _movies(catalogue: Catalogue, entries: Sequence[str | int], option: str, notes: list[str]) -> tuple[int, ...]:
    """Movie ids of titles (or ids), in the order given, each once; notes what was assumed."""
    ids: dict[int, None] = {}
    for entry in entries:
        if isinstance(entry, int):
            catalogue.label(entry)  # raises QueryError for an id the catalogue does not know
            ids[entry] = None
            continue
        if not entry.strip():
            continue
        match = catalogue.resolve(entry)
        if (note := match.note(option)) is not None:
            notes.append(note)
        ids[match.movie_id] = None
    return tuple(ids)
