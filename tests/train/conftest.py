"""A corpus with planted analogies, shared by the word2vec tests.

Each sentence is a shuffled handful of tokens: a *member* word (a country or its capital, a
man or a woman of a pair), one of three *role* words of its side (``country``-like words for
countries, ``city``-like words for capitals; ``he``-like or ``she``-like words) and one of three
words private to its pair. A member's contexts are therefore "role + pair", so its vector is
close to ``role_side + pair_i`` and the analogy ``capital_i - country_i + country_j`` points at
``capital_j`` — the structure that real text gives to Madrid - Spain + France.
"""

from __future__ import annotations

import random

import pytest

PAIRS = 8


def planted_sentences(seed: int = 0, sentences: int = 6000) -> list[list[str]]:
    rng = random.Random(seed)
    groups = {
        "country": [f"country{i}" for i in range(PAIRS)],
        "capital": [f"capital{i}" for i in range(PAIRS)],
        "man": [f"man{i}" for i in range(PAIRS)],
        "woman": [f"woman{i}" for i in range(PAIRS)],
    }
    roles = {side: [f"{side}role{k}" for k in range(3)] for side in groups}
    family = {"country": "place", "capital": "place", "man": "person", "woman": "person"}
    out = []
    for _ in range(sentences):
        side = rng.choice(list(groups))
        i = rng.randrange(PAIRS)
        words = [groups[side][i], rng.choice(roles[side]),
                 f"{family[side]}{i}pair{rng.randrange(3)}",
                 f"{family[side]}{i}pair{rng.randrange(3)}", f"filler{rng.randrange(20)}"]
        rng.shuffle(words)
        out.append(words)
    return out


def planted_questions() -> list[tuple[str, str, str, str]]:
    """(a, b, c, expected): b - a + c = expected, for every ordered pair of pairs."""
    questions = []
    for left, right in (("country", "capital"), ("man", "woman")):
        for i in range(PAIRS):
            for j in range(PAIRS):
                if i != j:
                    questions.append((f"{left}{i}", f"{right}{i}", f"{left}{j}",
                                      f"{right}{j}"))
    return questions


def planted_accuracy(vectors) -> float:  # type: ignore[no-untyped-def]
    questions = planted_questions()
    right = 0
    for a, b, c, expected in questions:
        answer = vectors.analogy(a, b, c, topn=1)[0][0]
        right += answer == expected
    return right / len(questions)


@pytest.fixture(scope="session")
def planted() -> list[list[str]]:
    return planted_sentences()


@pytest.fixture(scope="session")
def planted_score():  # type: ignore[no-untyped-def]
    """The function scoring vectors on the planted analogies (fraction answered right)."""
    return planted_accuracy
