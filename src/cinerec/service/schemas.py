"""The JSON the service reads and writes, with the limits that keep a request cheap.

Every field a person can send is bounded (string lengths, list sizes, numeric ranges)
so that a malformed or hostile request is refused with a 422 naming the field before
any work is done. Unknown fields are refused too: a typo such as ``"liekd"`` should not
silently give recommendations for nobody.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

#: Movies one request may name (liked + disliked each); a person rarely lists more.
MAX_MOVIES_PER_REQUEST = 200
#: Longest autocomplete query; titles are shorter than this.
MAX_QUERY_LENGTH = 100
#: Most results one list may hold (autocomplete, a section, similar movies).
MAX_RESULTS = 50
#: ``profile_id`` as the store makes them (a UUID4 in hex).
PROFILE_ID_PATTERN = r"^[0-9a-f]{32}$"

MovieId = Annotated[int, Field(ge=1, le=2**31 - 1, description="A MovieLens movie id")]
Rating = Annotated[float, Field(ge=0.5, le=5.0, multiple_of=0.5,
                                description="0.5–5 stars in half steps; ≥ 4 counts as liked, ≤ 2 as disliked")]
ResultCount = Annotated[int, Field(ge=1, le=MAX_RESULTS)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DemographicsIn(Strict):
    """What a person says about themselves; everyday words are understood
    ("male", "software engineer", "k1a 0b1"). Blank or absent = not said."""

    gender: Annotated[str, Field(max_length=20, examples=["M"])] | None = None
    age: Annotated[int, Field(ge=1, le=120, examples=[32], description="age in years")] | None = None
    occupation: Annotated[str, Field(max_length=60, examples=["programmer"])] | None = None
    zip: Annotated[str, Field(max_length=12, examples=["87103"])] | None = None


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


class RatingIn(Strict):
    rating: Rating


class CreateProfileIn(Strict):
    demographics: DemographicsIn = DemographicsIn()


class Movie(BaseModel):
    """A movie as lists show it."""

    movie_id: int
    title: str
    year: int | None
    label: str = Field(description='"Die Hard (1988)"')
    genres: list[str]


class RecommendedMovie(BaseModel):
    movie_id: int
    title: str
    year: int | None
    genres: list[str]
    score: float
    reason: str


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


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    model: dict[str, Any] = Field(description="summary of the model manifest: format, datasets, components")


class Problem(BaseModel):
    """Every 4xx answer: one line a person can act on."""

    detail: str
