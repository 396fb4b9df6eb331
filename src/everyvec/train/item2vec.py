"""item2vec: word2vec's skip-gram with negative sampling over what users watched or bought.

Barkan & Koenigstein (2016) treat each user's items as a sentence; SPEC §2 adds the set view
of a basket: items bought together are all context of one another, with no window and no
order. :class:`Item2Vec` is :class:`~everyvec.train.word2vec.Word2Vec` with defaults for
items and a ``mode``:

* ``"sequence"``: a window slides over each history in time order (sessions, watch logs);
* ``"set"``: every pair of items in a basket is a positive. The kernels run with a window as
  wide as the longest basket and no window shrinking, so each item predicts every other
  item of its basket exactly once per epoch — the same kernels, not a copy.

``ns_exponent`` matters far more for items than for words (Caselles-Dupré et al. 2018): 0.75
follows popularity, values near 0 sample the long tail more, negative ones favour it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from everyvec._checks import check_choice
from everyvec.train.encoded import EncodedCorpus
from everyvec.train.trainer import EpochReport
from everyvec.train.word2vec import Word2Vec

__all__ = ["Item2Vec", "as_item_sequences"]

MODES = ("sequence", "set")


def as_item_sequences(data: Any, mode: str = "sequence") -> Any:
    """Item lists from interactions, a ``{user: items}`` mapping or an iterable of lists.

    An :class:`everyvec.interactions.Interactions` gives its time-ordered histories
    (``mode="sequence"``) or its baskets (``mode="set"``). Items that are not ``str`` (integer
    ids) are converted with ``str``.
    """
    if isinstance(data, EncodedCorpus):
        return data
    if hasattr(data, "sequences") and hasattr(data, "baskets"):
        data = data.sequences() if mode == "sequence" else data.baskets()
    if isinstance(data, Mapping):
        data = data.values()
    if isinstance(data, (str, bytes)) or not isinstance(data, Iterable):
        raise TypeError("Item2Vec.fit takes Interactions, a {user: [items]} mapping or a list "
                        f"of item lists; got {type(data).__name__}")
    return _stringified(data)


class _stringified:
    """Restartable view of item lists with every item as ``str``."""

    def __init__(self, sequences: Iterable[Any]) -> None:
        self.sequences = sequences

    def __iter__(self):
        for sequence in self.sequences:
            if isinstance(sequence, (str, bytes)):
                raise TypeError("each history or basket must be a list of items, not a string "
                                f"({sequence!r:.40})")
            if isinstance(sequence, (set, frozenset)):
                sequence = sorted(sequence, key=str)  # sets have no stable order
            yield [item if isinstance(item, str) else str(item) for item in sequence]


class Item2Vec(Word2Vec):
    """Learn item vectors from interaction histories (item2vec).

    Parameters
    ----------
    vector_size
        Dimension of the item vectors.
    mode
        ``"sequence"`` (window over time-ordered histories) or ``"set"`` (every pair of a
        basket is a positive).
    window
        Context width in ``"sequence"`` mode (ignored in ``"set"`` mode).
    min_count
        Items seen fewer times are not trained (and cannot be recommended).
    sample
        Subsampling of very popular items, as word2vec's frequent words (0: off). word2vec's
        1e-3 suits vocabularies of millions; in a catalogue of a few thousand items it drops
        most interactions of every popular item, so it is off by default.
    ns_exponent
        Noise distribution = item popularity ** ns_exponent; tune it for recommendation.
    epochs
        Passes over the histories (more than for text: item logs are small).
    **others
        Every other :class:`~everyvec.train.word2vec.Word2Vec` parameter (``negative``,
        ``alpha``, ``workers``, ``seed``, ``hs``, ``sg``, ``callbacks``, ``checkpoint``,
        ``device`` to train on a GPU...).

    Examples
    --------
    >>> from everyvec import Item2Vec
    >>> baskets = [["milk", "bread", "butter"], ["beer", "chips"], ["bread", "butter"]] * 50
    >>> model = Item2Vec(vector_size=8, mode="set", workers=1, seed=0).fit(baskets)
    >>> model.similar_items("bread", k=1)  # doctest: +SKIP
    [('butter', 0.97)]
    """

    def __init__(self, vector_size: int = 64, *, mode: str = "sequence", sg: bool = True,
                 hs: bool = False, negative: int = 5, window: int = 5, min_count: int = 1,
                 sample: float = 0.0, alpha: float = 0.025, min_alpha: float = 0.0001,
                 epochs: int = 10, workers: int | None = None, ns_exponent: float = 0.75,
                 cbow_mean: bool = True, max_vocab_size: int | None = None,
                 max_final_vocab: int | None = None, shrink_windows: bool = True,
                 shared_negatives: bool = True, seed: int = 1,
                 max_sentence_length: int = 10_000, device: str | None = None,
                 batch_words: int = 4096, sync_words: int = 1_000_000,
                 callbacks: Sequence[Callable[[Word2Vec, EpochReport], Any]] = (),
                 checkpoint: Any = None, progress: bool | None = None) -> None:
        self.mode = mode
        super().__init__(vector_size, sg=sg, hs=hs, negative=negative, window=window,
                         min_count=min_count, sample=sample, alpha=alpha, min_alpha=min_alpha,
                         epochs=epochs, workers=workers, ns_exponent=ns_exponent,
                         cbow_mean=cbow_mean, max_vocab_size=max_vocab_size,
                         max_final_vocab=max_final_vocab, shrink_windows=shrink_windows,
                         shared_negatives=shared_negatives, seed=seed,
                         max_sentence_length=max_sentence_length, device=device,
                         batch_words=batch_words, sync_words=sync_words, callbacks=callbacks,
                         checkpoint=checkpoint, progress=progress)

    _PARAMS = ("mode", *Word2Vec._PARAMS)

    def _check_params(self) -> None:
        check_choice(self.mode, "mode", type(self).__name__, MODES)
        super()._check_params()

    def fit(self, corpus: Any, *, update: bool = False) -> Item2Vec:
        """Train on histories or baskets.

        Parameters
        ----------
        corpus
            :class:`~everyvec.interactions.Interactions`, a ``{user: [items]}`` mapping, or
            an iterable of item lists (items converted to ``str``).
        update
            Continue training on new histories (see :meth:`Word2Vec.fit`).
        """
        self._check_params()
        super().fit(as_item_sequences(corpus, self.mode), update=update)
        return self

    def resume(self, corpus: Any) -> Item2Vec:
        super().resume(as_item_sequences(corpus, self.mode))
        return self

    def _window_settings(self, encoded: EncodedCorpus) -> tuple[int, bool]:
        if self.mode == "sequence":
            return self.window, self.shrink_windows
        longest = int(np.diff(encoded.starts).max()) if encoded.n_sentences else 1
        return max(longest - 1, 1), False

    # -- using the vectors -----------------------------------------------------------------

    def similar_items(self, item: Any, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` items closest to ``item`` by cosine similarity."""
        return self.vectors.most_similar(item if isinstance(item, str) else str(item), topn=k)

    def recommender(self, scoring: str = "predict", *, weighting: str = "recency",
                    half_life: float = 10.0, index: Any = "exact") -> Any:
        """A :class:`~everyvec.recommend.VectorRecommender` over the trained vectors.

        Parameters
        ----------
        scoring
            ``"predict"``: the user vector is the weighted mean of the history's input
            vectors and candidates are ranked by inner product with their *output* vectors —
            skip-gram's own score for "this item occurs in that context", which keeps the
            popularity the model learned (needs ``negative > 0``). ``"similar"``: cosine
            between the mean input vector and the items' input vectors — the classic item2vec
            similarity, better for "more like this" than for next-item prediction (on
            MovieLens it ranks obscure items too high; see BENCHMARKS.md).
        weighting, half_life
            How history items are averaged (``"mean"`` or ``"recency"`` with a half-life in
            items).
        index
            Index spec or :class:`~everyvec.index.Index` for the candidates.
        """
        from everyvec.recommend.base import VectorRecommender

        check_choice(scoring, "scoring", "Item2Vec.recommender", ("predict", "similar"))
        options = {"weighting": weighting, "half_life": half_life, "index": index}
        if scoring == "similar":
            return VectorRecommender(self.vectors, metric="cosine", **options)
        return VectorRecommender(self.output_vectors, history_vectors=self.vectors,
                                 metric="dot", **options)
