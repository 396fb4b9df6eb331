"""Training machinery of the YouTube-style candidate model: examples, network, loss, loop.

Idea (Covington et al., 2016, "Deep Neural Networks for YouTube Recommendations"): every
position ``t >= 1`` of a user's time-ordered history is one example. Its input is the mean of
the input embeddings of the previous (up to ``history_length``) items, with optional dense
user features appended; an MLP tower turns that into a user vector ``u``; the label is item
``t``, scored by ``u · w_item`` against an output item matrix ``W`` (the item vectors served by
nearest-neighbour search). Training uses a sampled softmax: the true item against
``negatives`` items drawn from ``count ** ns_exponent`` (shared by the whole batch), with the
logQ correction (each logit minus the log of its item's sampling probability) and accidental
hits of the true item among the negatives masked out. ``negatives=0`` uses the full softmax.

Simplifications against the paper: no "example age" feature, no search tokens or
demographics beyond the dense feature vector given, every example of a heavy user counts (no
cap per user), negatives are shared by the batch, and the output layer has no bias (so a dot
product of a user vector with an item vector is exactly the logit that was trained).

Examples are never materialised: an example is the flat position of its label, and a batch's
history windows are gathered from the flat token array with one vectorised index operation.
torch is imported by the caller (this module receives it as an argument), so importing
everyvec never imports torch.
"""

from __future__ import annotations

import copy
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from everyvec._progress import Meter
from everyvec.errors import VocabularyError

__all__ = ["Encoded", "build_network", "encode_histories", "history_windows",
           "sampled_softmax_loss", "train", "user_tower"]

logger = logging.getLogger(__name__)


@dataclass
class Encoded:
    """Histories as one flat id array.

    Attributes
    ----------
    keys
        Item keys by id (most frequent first, ties by key).
    counts
        Interactions per item id.
    tokens
        Every kept interaction's item id, history after history (int64).
    starts
        Offset of each history in ``tokens`` (length ``n_histories + 1``).
    """

    keys: list[str]
    counts: np.ndarray
    tokens: np.ndarray
    starts: np.ndarray

    def examples(self) -> tuple[np.ndarray, np.ndarray]:
        """``(positions, users)``: the flat position of every example's label, and its user.

        Every position but the first of each history is an example.
        """
        lengths = np.diff(self.starts)
        user = np.repeat(np.arange(len(lengths)), lengths)
        offset = np.arange(len(self.tokens)) - self.starts[user]
        positions = np.flatnonzero(offset >= 1)
        return positions, user[positions]


def encode_histories(histories: Sequence[Sequence[str]], min_count: int) -> Encoded:
    """Give items ids (by falling count), drop items seen fewer than ``min_count`` times."""
    ids: dict[str, int] = {}
    codes = np.fromiter((ids.setdefault(item, len(ids)) for h in histories for item in h),
                        dtype=np.int64)
    lengths = np.fromiter((len(h) for h in histories), dtype=np.int64, count=len(histories))
    if not ids:
        raise VocabularyError("YouTubeCandidates.fit: the histories hold no item")
    first_keys = np.array(list(ids), dtype=object)
    counts = np.bincount(codes, minlength=len(ids))
    order = np.lexsort((first_keys, -counts))  # by count, falling; ties by key
    order = order[counts[order] >= min_count]
    if not len(order):
        raise VocabularyError(f"YouTubeCandidates.fit: no item occurs min_count={min_count} "
                              f"times (the most frequent occurs {counts.max()} times)")
    new_id = np.full(len(ids), -1, np.int64)
    new_id[order] = np.arange(len(order))
    mapped = new_id[codes]
    kept = mapped >= 0
    owner = np.repeat(np.arange(len(histories)), lengths)[kept]
    starts = np.zeros(len(histories) + 1, np.int64)
    np.cumsum(np.bincount(owner, minlength=len(histories)), out=starts[1:])
    return Encoded([str(k) for k in first_keys[order]], counts[order], mapped[kept], starts)


def history_windows(tokens: np.ndarray, positions: np.ndarray, starts: np.ndarray,
                    length: int, pad: int) -> np.ndarray:
    """``(n, length)`` ids of the ``length`` items before each position, ``pad`` before a start.

    ``starts[i]`` is where the history of ``positions[i]`` begins; nothing before it is used.
    """
    index = positions[:, None] - length + np.arange(length)[None, :]
    valid = index >= starts[:, None]
    return np.where(valid, tokens[np.maximum(index, 0)], pad)


def build_network(torch: Any, n_items: int, dim: int, hidden: Sequence[int], n_features: int,
                  dropout: float) -> Any:
    """Input embeddings (+ a padding row), the ReLU tower, and the output item matrix.

    The tower ends in a linear layer (no ReLU) so user vectors can point anywhere, not only
    into the positive orthant.
    """
    nn = torch.nn
    layers: list[Any] = []
    width = dim + n_features
    for size in hidden:
        layers += [nn.Linear(width, size), nn.ReLU()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = size
    layers.append(nn.Linear(width, dim))
    net = nn.ModuleDict({
        "input": nn.EmbeddingBag(n_items + 1, dim, mode="mean", padding_idx=n_items),
        "tower": nn.Sequential(*layers),
        "output": nn.Embedding(n_items, dim),
    })
    with torch.no_grad():
        # word2vec-like scales: small input vectors, output vectors starting near zero.
        net["input"].weight.normal_(0.0, 1.0 / math.sqrt(dim))
        net["input"].weight[n_items].zero_()
        net["output"].weight.normal_(0.0, 0.01)
    return net


def user_tower(torch: Any, net: Any, windows: Any, features: Any | None) -> Any:
    """User vectors: mean input embedding of each window (pads skipped), features, tower."""
    x = net["input"](windows)
    if features is not None:
        x = torch.cat([x, features], dim=1)
    return net["tower"](x)


def sampled_softmax_loss(torch: Any, users: Any, item_weight: Any, labels: Any,
                         negatives: Any | None, log_q: Any | None, *,
                         remove_accidental_hits: bool = True) -> Any:
    """Mean cross-entropy of the true items under a (sampled) softmax.

    Parameters
    ----------
    users
        ``(batch, dim)`` user vectors.
    item_weight
        ``(n_items, dim)`` output item matrix.
    labels
        ``(batch,)`` true item ids.
    negatives
        ``(s,)`` sampled item ids shared by the batch, or None for the full softmax.
    log_q
        ``(n_items,)`` log sampling probability of every item (the logQ correction: it is
        subtracted from the true and the sampled logits). Ignored for the full softmax.
    remove_accidental_hits
        Mask a sampled id equal to the row's true item (it would count as its own negative).
    """
    if negatives is None:
        return torch.nn.functional.cross_entropy(users @ item_weight.T, labels)
    true_logit = (users * item_weight[labels]).sum(dim=1) - log_q[labels]
    sampled = users @ item_weight[negatives].T - log_q[negatives][None, :]
    if remove_accidental_hits:
        sampled = sampled.masked_fill(negatives[None, :] == labels[:, None], float("-inf"))
    logits = torch.cat([true_logit[:, None], sampled], dim=1)
    target = torch.zeros(len(labels), dtype=torch.long, device=logits.device)
    return torch.nn.functional.cross_entropy(logits, target)


@dataclass
class Setup:
    """What :func:`train` needs besides the data (validated by the estimator)."""

    history_length: int
    negatives: int
    ns_exponent: float
    epochs: int
    batch_size: int
    lr: float
    weight_decay: float
    validation_fraction: float
    patience: int
    seed: int
    progress: bool | None


def train(torch: Any, net: Any, encoded: Encoded, features: np.ndarray | None, setup: Setup,
          device: Any) -> tuple[list[dict[str, float]], int]:
    """Fit ``net`` in place; return the per-epoch history and the epoch whose weights it keeps.

    With ``validation_fraction > 0`` that share of the examples (drawn with the seed) is held
    out. After each epoch their loss (sampled with negatives fixed once, so epochs compare)
    and their recall@10 are measured; recall@10 ranks the true item among all items but those
    of the example's input window, as serving does. Training stops after ``patience`` epochs
    without a better recall, and the best epoch's weights are restored. (The loss is only
    reported: it rises from overconfidence while the ranking still improves.)
    """
    n_items = len(encoded.keys)
    positions, users = encoded.examples()
    if not len(positions):
        raise ValueError("YouTubeCandidates.fit: no training example; every history has "
                         "fewer than 2 known items (an example needs one item before its label)")
    generator = torch.Generator().manual_seed(setup.seed)
    order = torch.randperm(len(positions), generator=generator).numpy()
    n_valid = int(round(setup.validation_fraction * len(positions)))
    if setup.validation_fraction > 0 and not 0 < n_valid < len(positions):
        raise ValueError(f"YouTubeCandidates.fit: validation_fraction="
                         f"{setup.validation_fraction:g} of {len(positions)} examples leaves "
                         "no held-out or no training example")
    valid, train_rows = np.sort(order[:n_valid]), np.sort(order[n_valid:])
    feats = None if features is None else torch.as_tensor(features, dtype=torch.float32)
    tokens = encoded.tokens
    user_starts = encoded.starts[:-1]

    def batch(rows: np.ndarray) -> tuple[Any, Any, Any]:
        pos = positions[rows]
        windows = history_windows(tokens, pos, user_starts[users[rows]], setup.history_length,
                                  n_items)
        f = None if feats is None else feats[users[rows]].to(device)
        return (torch.as_tensor(windows).to(device), f,
                torch.as_tensor(tokens[pos]).to(device))

    sampling = None
    log_q = None
    if setup.negatives:
        weights = encoded.counts.astype(np.float64) ** setup.ns_exponent
        q = torch.as_tensor(weights / weights.sum())
        sampling = q.float()
        log_q = torch.log(q).float().to(device)
    valid_negatives = (None if sampling is None else torch.multinomial(
        sampling, setup.negatives, replacement=True,
        generator=torch.Generator().manual_seed(setup.seed + 1)).to(device))

    optimizer = torch.optim.Adam(net.parameters(), lr=setup.lr,
                                 weight_decay=setup.weight_decay)
    n_batches = math.ceil(len(train_rows) / setup.batch_size)
    history: list[dict[str, float]] = []
    best = (-1.0, 0, None)  # (validation recall, epoch, weights)
    with Meter("YouTubeCandidates", setup.epochs * n_batches, unit="batches",
               progress=setup.progress) as meter:
        for epoch in range(1, setup.epochs + 1):
            started = time.perf_counter()
            net.train()
            shuffled = train_rows[torch.randperm(len(train_rows), generator=generator).numpy()]
            total = 0.0
            for b in range(n_batches):
                rows = shuffled[b * setup.batch_size:(b + 1) * setup.batch_size]
                windows, f, labels = batch(rows)
                negatives = (None if sampling is None else torch.multinomial(
                    sampling, setup.negatives, replacement=True, generator=generator).to(device))
                loss = sampled_softmax_loss(torch, user_tower(torch, net, windows, f),
                                            net["output"].weight, labels, negatives, log_q)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                total += float(loss.detach()) * len(rows)
                meter.advance(1, description=f"epoch {epoch}/{setup.epochs}")
            record = {"epoch": epoch, "loss": total / len(train_rows),
                      "seconds": time.perf_counter() - started}
            if n_valid:
                record["validation_loss"], record["validation_recall"] = _held_out(
                    torch, net, valid, batch, valid_negatives, log_q, setup.batch_size)
            history.append(record)
            logger.info("YouTubeCandidates epoch %d: %s", epoch, record)
            if n_valid:
                if record["validation_recall"] > best[0]:
                    best = (record["validation_recall"], epoch,
                            copy.deepcopy(net.state_dict()))
                elif epoch - best[1] >= setup.patience:
                    break
    if best[2] is not None:
        net.load_state_dict(best[2])
        return history, best[1]
    return history, len(history)


def _held_out(torch: Any, net: Any, rows: np.ndarray, batch: Any, negatives: Any,
              log_q: Any, batch_size: int, k: int = 10) -> tuple[float, float]:
    """Mean sampled loss and recall@k of held-out examples (input items cannot be ranked)."""
    net.eval()
    loss = hits = 0.0
    with torch.no_grad():
        for b in range(0, len(rows), batch_size):
            windows, f, labels = batch(rows[b:b + batch_size])
            users = user_tower(torch, net, windows, f)
            weight = net["output"].weight
            loss += float(sampled_softmax_loss(torch, users, weight, labels, negatives,
                                               log_q)) * len(labels)
            scores = users @ weight.T
            # One extra column takes the padding id, so seen items mask with one scatter.
            scores = torch.cat([scores, scores.new_zeros(len(labels), 1)], dim=1)
            scores.scatter_(1, windows, float("-inf"))
            top = scores[:, :-1].topk(min(k, weight.shape[0]), dim=1).indices
            hits += float((top == labels[:, None]).any(dim=1).sum())
    return loss / len(rows), hits / len(rows)
