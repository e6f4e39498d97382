"""The JSON the service reads and writes, with the limits that keep a request cheap.

Every field a person can send is bounded (string lengths, list sizes, numeric ranges)
so that a malformed or hostile request is refused with a 422 naming the field before
any work is done. Unknown fields are refused too: a typo such as ``"liekd"`` should not
silently give recommendations for nobody. Types are strict: ``true`` is no rating and
``"4"`` no age (a JSON integer is still a number of stars). The words a field accepts
are spelt out as patterns in the schema, so that what the schema allows, the service
understands, and what it refuses, the service refuses too.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from cinerec.profile import GENDER_WORDS

#: Movies one request may name (liked + disliked each); a person rarely lists more.
MAX_MOVIES_PER_REQUEST = 200
#: Longest autocomplete query; titles are shorter than this.
MAX_QUERY_LENGTH = 100
#: Most results one list may hold (autocomplete, a section, similar movies).
MAX_RESULTS = 50
#: Largest request body accepted; the biggest valid request is a few kilobytes.
MAX_BODY_BYTES = 64 * 1024
#: ``profile_id`` as the store makes them (a UUID4 in hex).
PROFILE_ID_PATTERN = r"^[0-9a-f]{32}$"



def _whole_number(value: object) -> object:
    """``4.0`` → ``4``: JSON counts a number without a fraction as an integer. Anything
    else is left for the strict check, which refuses ``true``, ``"4"`` and ``4.5``."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


#: A JSON integer (``4`` or ``4.0``; never ``true`` or ``"4"``); its bounds go in the
#: ``Field`` before it, where the schema shows them.
WHOLE_NUMBER = BeforeValidator(_whole_number)
MovieId = Annotated[int, Field(ge=1, le=2**31 - 1, description="A MovieLens movie id"), WHOLE_NUMBER]
Rating = Annotated[float, Field(ge=0.5, le=5.0, multiple_of=0.5,
                                description="0.5–5 stars in half steps; ≥ 4 counts as liked, ≤ 2 as disliked")]
ResultCount = Annotated[int, Field(ge=1, le=MAX_RESULTS), WHOLE_NUMBER]


def _any_case(word: str) -> str:
    """``"male"`` → ``"[Mm][Aa][Ll][Ee]"``: JSON Schema patterns have no case-insensitive flag."""
    return "".join(f"[{char.upper()}{char.lower()}]" for char in word)


#: The words for a gender, in any case (:data:`cinerec.profile.GENDER_WORDS`), or blank.
GENDER_PATTERN = "^(" + "|".join(["", *map(_any_case, GENDER_WORDS)]) + ")$"
#: A US zip code (87103, 87103-1234) or a Canadian postal code (K1A 0B1, or its first five
#: characters as ml-100k keeps them), in any case, or blank: what ``parse_zip`` accepts,
#: spelt with ASCII classes so that every regex engine reads it alike.
_CANADIAN_FIRST, _CANADIAN_OTHER = "ABCEGHJ-NPRSTVXYabceghj-nprstvxy", "ABCEGHJ-NPRSTV-Zabceghj-nprstv-z"
ZIP_PATTERN = (f"^(|[0-9]{{5}}([- ]?[0-9]{{4}})?"
               f"|[{_CANADIAN_FIRST}][0-9][{_CANADIAN_OTHER}] ?[0-9][{_CANADIAN_OTHER}][0-9]?)$")
#: Any words at all (an occupation MovieLens does not know counts as "other"), or blank.
OCCUPATION_PATTERN = "^$|[A-Za-z]"
#: What each pattern means, for the person whose text did not match it.
PATTERN_MEANINGS = {
    GENDER_PATTERN: "M or F (or male, female, man, woman)",
    ZIP_PATTERN: "a US zip code (87103 or 87103-1234) or a Canadian postal code (K1A 0B1)",
    OCCUPATION_PATTERN: "words such as nurse or programmer",
}


class StrictModel(BaseModel):
    """A request body: unknown fields refused, no type coerced into another."""

    model_config = ConfigDict(extra="forbid", strict=True)


class DemographicsIn(StrictModel):
    """What a person says about themselves; everyday words are understood
    ("male", "software engineer", "k1a 0b1"). Blank or absent = not said."""

    gender: Annotated[str, Field(max_length=20, pattern=GENDER_PATTERN, examples=["M"])] | None = None
    age: Annotated[int, Field(ge=1, le=120, examples=[32], description="age in years"), WHOLE_NUMBER] | None = None
    occupation: Annotated[str, Field(max_length=60, pattern=OCCUPATION_PATTERN, examples=["programmer"])] | None = None
    zip: Annotated[str, Field(max_length=12, pattern=ZIP_PATTERN, examples=["87103"])] | None = None


class DemographicsOut(BaseModel):
    """Demographics in canonical terms (``age_band`` is what the models use)."""

    gender: str | None
    age: int | None
    age_band: str | None
    occupation: str | None
    zip: str | None


class RecommendRequest(DemographicsIn):
    """A profile given in full in the request (nothing is stored)."""

    liked: Annotated[list[MovieId], Field(max_length=MAX_MOVIES_PER_REQUEST, examples=[[144]])] = []
    disliked: Annotated[list[MovieId], Field(max_length=MAX_MOVIES_PER_REQUEST)] = []
    n: ResultCount = 10


class RatingIn(StrictModel):
    rating: Rating


class CreateProfileIn(StrictModel):
    demographics: DemographicsIn = DemographicsIn()


Links = Annotated[dict[str, str], Field(description='the movie\'s pages by site ("MovieLens", "IMDb", "TMDB"), '
                                                   "where its release names them; empty otherwise")]


class Movie(BaseModel):
    """A movie as lists show it."""

    movie_id: int
    title: str
    year: int | None
    label: str = Field(description='"Die Hard (1988)"')
    genres: list[str]
    links: Links = {}


class RecommendedMovie(BaseModel):
    movie_id: int
    title: str
    year: int | None
    genres: list[str]
    score: float
    reason: str
    links: Links = {}


class Section(BaseModel):
    key: str = Field(description="similar, also_liked, people_like_you or for_you")
    heading: str
    items: list[RecommendedMovie]
    note: str | None = Field(None, description="why the section is empty, for the person to read")


class Recommendations(BaseModel):
    sections: list[Section]
    notes: list[str] = []


class SearchResults(BaseModel):
    query: str
    results: list[Movie]


class MovieDetails(Movie):
    alt_titles: list[str]
    rating_count: int
    similar: list[RecommendedMovie]
    also_liked: list[RecommendedMovie]


class StoredRating(BaseModel):
    movie: Movie
    rating: float


class ProfileOut(BaseModel):
    profile_id: str
    demographics: DemographicsOut
    ratings: list[StoredRating]
    notes: list[str] = Field([], description="how what was just said was understood, for the person to read "
                                             "(an occupation MovieLens does not know counts as other)")


class Occupations(BaseModel):
    occupations: list[str] = Field(description="the occupations the models know; anything else counts as other")


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    model: dict[str, Any] = Field(description="summary of the model manifest: format, datasets, components")


class Problem(BaseModel):
    """Every answer that is not a success: one line a person can act on."""

    detail: str


#: Each status a route may answer besides its success, and when.
PROBLEMS: dict[int, str] = {
    400: "The request body could not be read (not UTF-8 text)",
    404: "No movie or stored profile has that id",
    408: "The request took too long to arrive",
    409: "The profile holds as many ratings as it may",
    413: f"The request body is larger than {MAX_BODY_BYTES // 1024} KB",
    422: "The request is malformed or impossible; the detail names the field",
    503: "The service is too busy, or cannot save right now; try again after Retry-After seconds",
}
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before trying again",
                               "schema": {"type": "integer", "minimum": 0}}}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` entries for ``statuses`` (see :data:`PROBLEMS`)."""
    return {status: {"model": Problem, "description": PROBLEMS[status], **({"headers": RETRY_AFTER} if status == 503 else {})}
            for status in statuses}
