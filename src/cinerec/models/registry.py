"""The recommender classes a model directory may name: only cinerec's own classes are
ever loaded (nothing is imported by a path a directory gives)."""

from __future__ import annotations

from functools import cache

from cinerec.errors import ModelError
from cinerec.models.base import Recommender


@cache
def component_classes() -> dict[str, type[Recommender]]:
    """Every class a model directory's components may be, by name (imported on first use)."""
    from cinerec.models.also_liked import AlsoLiked
    from cinerec.models.content import ContentSimilarity
    from cinerec.models.demographic import PeopleLikeYou
    from cinerec.models.ease import EASE
    from cinerec.models.fans import Fans
    from cinerec.models.mainstream import Mainstream
    from cinerec.models.popular import MostPopular
    from cinerec.models.rising import Rising

    return {cls.__name__: cls for cls in (AlsoLiked, ContentSimilarity, PeopleLikeYou, EASE, MostPopular,
                                          Mainstream, Rising, Fans)}


def component_class(name: str) -> type[Recommender]:
    """The recommender class a manifest names; an unknown name is a :class:`ModelError`."""
    if name not in component_classes():
        raise ModelError(f"model directory names an unknown component class {name!r}")
    return component_classes()[name]
