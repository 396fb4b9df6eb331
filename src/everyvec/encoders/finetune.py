"""Fine-tuning a pretrained encoder for sentence similarity (contrastive, in-batch negatives).

SPEC §5 transfer learning: the pretrained transformer keeps what it learnt about language in
its embeddings and lower layers, so those stay frozen and only the top layers adapt to the
task. That is also what makes it CPU-trainable — the backward pass stops at the first
trainable layer.

The loss is the multiple-negatives ranking loss of sentence-transformers
(``MultipleNegativesRankingLoss``; Henderson et al. 2017): in a batch of ``B`` positive pairs
``(a_i, b_i)`` every ``b_j`` with ``j != i`` serves as a negative for ``a_i``, and the loss is the
cross-entropy of ``scale * cos(a_i, b_j)`` over ``j`` with the target ``j = i`` (optionally also
over ``i`` for each ``b_j``: ``symmetric``). Positive pairs come from a scored set (STS-B train:
pairs scored >= ``min_score``), in both directions by default.

A batch never holds the same sentence twice: STS-B repeats sentences across pairs, and a
copy of the anchor's positive among its negatives (or, with both directions, the anchor
itself) would teach the model to push identical texts apart. Batches are therefore filled
greedily from a shuffled order, skipping pairs whose sentences are already in the batch, as
sentence-transformers' ``NoDuplicatesDataLoader`` does.

Training runs through :func:`everyvec.nn.training.fit_loop` (seeded, progress bar, loss
checks) without validation rows: an in-batch-negative loss depends on which pairs share a
batch, so it is no early-stopping signal; a fixed, small number of epochs is the usual recipe.
The optimiser is AdamW with linear warm-up and decay, the standard schedule for transformer
fine-tuning. The result is a folder (:func:`~everyvec.encoders.model_files.write_model_folder`)
that :class:`everyvec.Encoder` and ``sentence_transformers.SentenceTransformer`` both load.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from everyvec._atomic import atomic_file
from everyvec._checks import check_bool, check_float, check_int
from everyvec.data.stsb import StsPairs, check_pair_lists
from everyvec.encoders.model_files import (
    ModelFiles,
    load_torch_model,
    resolve_model,
    write_model_folder,
)
from everyvec.encoders.onnx_export import onnx_inputs
from everyvec.encoders.pooling import pool
from everyvec.encoders.tokenization import TextTokenizer
from everyvec.nn.training import FitSettings, fit_loop, import_torch, resolve_device, seeded

__all__ = ["FineTuneResult", "fine_tune", "in_batch_negatives_loss"]

logger = logging.getLogger(__name__)

_OWNER = "fine_tune"
#: The file written next to the weights that records how the model was fine-tuned.
TRAINING_FILE = "everyvec_fine_tune.json"
#: Layers left trainable when ``freeze_layers`` is None.
DEFAULT_TRAINABLE_LAYERS = 2


@dataclass
class FineTuneResult:
    """What :func:`fine_tune` wrote and how training went.

    A path-like object: pass it wherever a model folder is expected
    (``Encoder(result)``, ``resolve_model(result)``, ``os.fspath(result)``).

    Attributes
    ----------
    path
        The saved model folder.
    history
        One dict per epoch from :func:`~everyvec.nn.training.fit_loop`: ``epoch``, ``loss``
        (mean training loss), ``seconds``, ``rows_per_second`` (pairs per second).
    losses
        The training loss of every optimiser step, in order.
    pairs
        Training pairs per epoch (both directions counted).
    frozen_layers, layers
        Transformer layers frozen (from the bottom) and in all; the embeddings are frozen too.
    trainable_parameters, frozen_parameters
        Parameter counts.
    seconds
        Wall time of training (loading and saving excluded).
    settings
        The arguments training ran with (also saved in the folder as
        ``everyvec_fine_tune.json``).
    """

    path: Path
    history: list[dict[str, float]]
    losses: list[float]
    pairs: int
    frozen_layers: int
    layers: int
    trainable_parameters: int
    frozen_parameters: int
    seconds: float
    settings: dict[str, Any] = field(default_factory=dict)

    def __fspath__(self) -> str:
        return os.fspath(self.path)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy (``path`` as a string)."""
        data = asdict(self)
        data["path"] = str(self.path)
        return data


def fine_tune(model: str | os.PathLike[str] | ModelFiles,
              pairs: StsPairs | Sequence[Sequence[Any]],
              out: str | os.PathLike[str], *,
              freeze_layers: int | None = None,
              epochs: int = 1,
              batch_size: int = 16,
              lr: float = 2e-5,
              weight_decay: float = 0.01,
              warmup: float = 0.1,
              scale: float = 20.0,
              symmetric: bool = False,
              both_directions: bool = True,
              min_score: float = 4.0,
              max_length: int | None = None,
              seed: int = 0,
              progress: bool | None = None,
              device: str = "cpu",
              overwrite: bool = False) -> FineTuneResult:
    """Fine-tune a transformer encoder on positive sentence pairs and save it as a folder.

    Parameters
    ----------
    model
        The pretrained encoder: a model folder, a packaged model name such as
        ``"all-MiniLM-L6-v2"``, or :class:`~everyvec.encoders.model_files.ModelFiles`.
    pairs
        :class:`~everyvec.data.stsb.StsPairs` (e.g. ``load_stsb("train")``), or
        ``(sentences1, sentences2)`` (every pair a positive), or
        ``(sentences1, sentences2, scores)``.
    out
        The folder to write (must not exist unless ``overwrite``).
    freeze_layers
        How many transformer layers, from the bottom, stay frozen (the token embeddings
        always do). Default: all but the top two. ``0`` trains every layer.
    epochs
        Passes over the pairs.
    batch_size
        Pairs per step (>= 2); every other pair of the batch is a negative, so larger
        batches make a harder task.
    lr, weight_decay
        AdamW learning rate and decoupled weight decay.
    warmup
        Share of the steps over which the learning rate rises linearly from 0 (then it
        falls linearly to 0 at the last step).
    scale
        Inverse temperature of the cosine similarities in the softmax.
    symmetric
        Also classify the right sentence's partner among the left sentences, averaging the
        two losses.
    both_directions
        Train on ``(b, a)`` as well as ``(a, b)``.
    min_score
        With scores, the pairs scored at least this are the positives (others are dropped).
    max_length
        Tokens per sentence during training (default: the model's); the saved model keeps
        the model's own limit.
    seed
        Seed of the shuffling and dropout; the same seed gives the same weights.
    progress
        Progress bar: True, False, or None (only when stderr is a terminal).
    device
        ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
    overwrite
        Replace ``out`` if it exists (atomically: an interrupted save keeps the old folder).

    Returns
    -------
    FineTuneResult
        Path-like (the folder), with the loss history.

    Raises
    ------
    ValueError
        Bad parameters, no positive pair, ``freeze_layers`` out of range, ``out`` exists.
    ModelNotFoundError
        ``model`` is neither a folder nor an installed model package.

    Examples
    --------
    >>> from everyvec.data import load_stsb               # doctest: +SKIP
    >>> from everyvec.encoders.finetune import fine_tune  # doctest: +SKIP
    >>> result = fine_tune("all-MiniLM-L6-v2", load_stsb("train"), "minilm-stsb")  # doctest: +SKIP
    >>> Encoder(result).encode(["A plane is taking off."]).shape  # doctest: +SKIP
    (1, 384)
    """
    settings = FitSettings(epochs=epochs, batch_size=batch_size, lr=lr,
                           weight_decay=weight_decay, validation_fraction=0.0, seed=seed,
                           device=device, progress=progress)
    settings.check(_OWNER)
    check_int(batch_size, "batch_size", _OWNER, minimum=2)
    check_float(warmup, "warmup", _OWNER, minimum=0.0, maximum=1.0)
    if check_float(scale, "scale", _OWNER, minimum=0.0) == 0.0:
        raise ValueError(f"The 'scale' parameter of {_OWNER} must be > 0. Got {scale!r}.")
    check_float(min_score, "min_score", _OWNER)
    check_bool(symmetric, "symmetric", _OWNER)
    check_bool(both_directions, "both_directions", _OWNER)
    check_bool(overwrite, "overwrite", _OWNER)
    freeze = check_int(freeze_layers, "freeze_layers", _OWNER, minimum=0, allow_none=True)
    max_length = check_int(max_length, "max_length", _OWNER, minimum=2, allow_none=True)
    out = _check_out(out, overwrite)
    first, second = _positives(pairs, min_score, both_directions)

    torch = import_torch(_OWNER)
    files = resolve_model(model)
    limit = int(files.read_config().get("max_position_embeddings", 512))
    if max_length is not None and max_length > limit:
        raise ValueError(f"The 'max_length' parameter of {_OWNER} must be at most {limit} (the "
                         f"model's position limit). Got {max_length!r}.")
    target = resolve_device(device, _OWNER)
    tokenizer = TextTokenizer(files, max_length)
    inputs = onnx_inputs(files)
    with seeded(seed, target) as generator:
        network = load_torch_model(files)
        layers = _layers(network)
        freeze = len(layers) - DEFAULT_TRAINABLE_LAYERS if freeze is None else freeze
        freeze = max(freeze, 0)
        if freeze >= len(layers):
            raise ValueError(f"The 'freeze_layers' parameter of {_OWNER} must be an int from 0 "
                             f"to {len(layers) - 1}: {files.name} has {len(layers)} layers and "
                             f"freezing all of them leaves nothing to train. Got {freeze}.")
        _freeze(network, layers, freeze)
        network.to(target)
        trainable = sum(p.numel() for p in network.parameters() if p.requires_grad)
        frozen = sum(p.numel() for p in network.parameters() if not p.requires_grad)
        source = PairBatches(first, second, batch_size, tokenizer, inputs)
        if len(source) == 0:
            raise ValueError(f"{_OWNER}: the positive pairs fill no batch of two distinct "
                             "pairs (in-batch negatives need at least two pairs with "
                             "different sentences)")
        losses: list[float] = []

        def loss_fn(net: Any, batch: Any) -> Any:
            left, right = batch
            loss = in_batch_negatives_loss(_embed(net, left, files.pooling),
                                           _embed(net, right, files.pooling),
                                           scale=scale, symmetric=symmetric)
            losses.append(float(loss.detach()))
            return loss

        steps = epochs * len(source)
        optimizer = _Schedule(torch, [p for p in network.parameters() if p.requires_grad],
                              lr=lr, weight_decay=weight_decay, steps=steps,
                              warmup_steps=int(round(warmup * steps)))
        started = time.perf_counter()
        fitted = fit_loop(network, source, None, loss_fn, settings, owner=_OWNER,
                          device=target, generator=generator, optimizer=optimizer)
        seconds = time.perf_counter() - started
    record = {"base_model": files.name, "freeze_layers": freeze, "epochs": epochs,
              "batch_size": batch_size, "lr": lr, "weight_decay": weight_decay,
              "warmup": warmup, "scale": scale, "symmetric": symmetric,
              "both_directions": both_directions, "min_score": min_score,
              "max_length": tokenizer.max_length, "seed": seed}
    network.to("cpu")
    write_model_folder(network, files, out, pooling=files.pooling, normalize=files.normalize,
                       max_length=files.max_length)
    result = FineTuneResult(path=out, history=fitted.history, losses=losses,
                            pairs=source.n_rows, frozen_layers=freeze, layers=len(layers),
                            trainable_parameters=trainable, frozen_parameters=frozen,
                            seconds=seconds, settings=record)
    with atomic_file(out / TRAINING_FILE, "w") as handle:
        handle.write(json.dumps({k: v for k, v in result.to_dict().items() if k != "path"},
                                indent=2) + "\n")
    logger.info("%s: %d pairs, %d epoch(s), %.1f s, loss %.4f -> %.4f, saved to %s", _OWNER,
                source.n_rows, epochs, seconds, fitted.history[0]["loss"],
                fitted.history[-1]["loss"], out)
    return result


def in_batch_negatives_loss(left: Any, right: Any, *, scale: float = 20.0,
                            symmetric: bool = False) -> Any:
    """Multiple-negatives ranking loss of a batch of positive pairs (torch tensors).

    Parameters
    ----------
    left, right
        ``(B, D)`` sentence vectors; row ``i`` of both is a positive pair and every other
        row of ``right`` a negative for ``left[i]``.
    scale
        Multiplies the cosine similarities before the softmax.
    symmetric
        Average with the loss of picking ``left[j]`` for ``right[j]``.

    Returns
    -------
    torch.Tensor
        The mean cross-entropy (a scalar).
    """
    torch = import_torch(_OWNER)
    functional = torch.nn.functional
    logits = scale * functional.normalize(left, dim=1) @ functional.normalize(right, dim=1).T
    target = torch.arange(logits.shape[0], device=logits.device)
    loss = functional.cross_entropy(logits, target)
    if symmetric:
        loss = (loss + functional.cross_entropy(logits.T, target)) / 2
    return loss


class PairBatches:
    """Positive pairs cut into shuffled batches in which no sentence appears twice.

    A :class:`~everyvec.nn.training.BatchSource` yielding ``((left, right), pairs)`` where
    ``left`` and ``right`` are the tokenizer's torch inputs (padded to the batch's longest
    sentence). A batch that would hold fewer than two pairs is dropped: it has no negative.
    """

    def __init__(self, first: list[str], second: list[str], batch_size: int,
                 tokenizer: TextTokenizer, inputs: Sequence[str]) -> None:
        self.first, self.second = first, second
        self.batch_size = batch_size
        self.tokenizer = tokenizer
        self.inputs = tuple(inputs)
        # The batch layout depends on the shuffle; its length is that of the in-order layout
        # (the greedy fill rarely differs by more than a batch).
        self._layout = list(self._groups(np.arange(len(first))))
        self.n_rows = sum(len(group) for group in self._layout)

    def __len__(self) -> int:
        return len(self._layout)

    def _groups(self, order: np.ndarray) -> Iterator[list[int]]:
        waiting = [int(i) for i in order]
        while waiting:
            group: list[int] = []
            seen: set[str] = set()
            skipped: list[int] = []
            for position, row in enumerate(waiting):
                texts = (self.first[row], self.second[row])
                if texts[0] in seen or texts[1] in seen or texts[0] == texts[1]:
                    skipped.append(row)
                    continue
                group.append(row)
                seen.update(texts)
                if len(group) == self.batch_size:
                    skipped.extend(waiting[position + 1:])
                    break
            if len(group) < 2:
                return  # what is left cannot form a batch with a negative
            yield group
            waiting = skipped

    def batches(self, generator: Any | None) -> Iterator[tuple[Any, int]]:
        torch = import_torch(_OWNER)
        order = (torch.randperm(len(self.first), generator=generator).numpy()
                 if generator is not None else np.arange(len(self.first)))
        for group in self._groups(order):
            left = self._tensors([self.first[i] for i in group])
            right = self._tensors([self.second[i] for i in group])
            yield (left, right), len(group)

    def _tensors(self, texts: list[str]) -> dict[str, Any]:
        return {k: v for k, v in self.tokenizer.torch_batch(texts).items() if k in self.inputs}


class _Schedule:
    """AdamW with linear warm-up then linear decay, stepped by :func:`fit_loop`."""

    def __init__(self, torch: Any, parameters: list[Any], *, lr: float, weight_decay: float,
                 steps: int, warmup_steps: int) -> None:
        self.optimizer = torch.optim.AdamW(parameters, lr=lr, weight_decay=weight_decay)

        def factor(step: int) -> float:
            if step < warmup_steps:
                return (step + 1) / (warmup_steps + 1)
            return max(0.0, (steps - step) / max(1, steps - warmup_steps))

        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, factor)

    def zero_grad(self) -> None:
        self.optimizer.zero_grad(set_to_none=True)

    def step(self) -> None:
        self.optimizer.step()
        self.scheduler.step()


def _embed(network: Any, inputs: dict[str, Any], pooling: str) -> Any:
    hidden = network(**inputs).last_hidden_state
    return pool(hidden, inputs["attention_mask"], pooling)


def _layers(network: Any) -> Any:
    """The stack of transformer layers (the ModuleList as long as the model is deep)."""
    torch = import_torch(_OWNER)
    depth = getattr(network.config, "num_hidden_layers", None)
    for _, module in network.named_modules():
        if isinstance(module, torch.nn.ModuleList) and len(module) == depth:
            return module
    raise ValueError(f"{_OWNER}: cannot find the {depth} transformer layers of "
                     f"{type(network).__name__} (a ModuleList of num_hidden_layers blocks); "
                     "fine-tuning supports BERT-family encoders")


def _freeze(network: Any, layers: Any, count: int) -> None:
    """Freeze the token embeddings, the lowest ``count`` layers and the unused pooler head."""
    embeddings = getattr(network, "embeddings", None)
    frozen = [embeddings if embeddings is not None else network.get_input_embeddings(),
              *list(layers)[:count]]
    pooler = getattr(network, "pooler", None)  # BERT's [CLS] head; sentence pooling skips it
    if pooler is not None:
        frozen.append(pooler)
    for module in frozen:
        for parameter in module.parameters():
            parameter.requires_grad_(False)


def _check_out(out: Any, overwrite: bool) -> Path:
    if not isinstance(out, (str, os.PathLike)):
        raise TypeError(f"The 'out' parameter of {_OWNER} must be a folder path. Got {out!r}.")
    path = Path(out)
    if path.exists() and not overwrite:
        raise ValueError(f"The 'out' parameter of {_OWNER}: {path} already exists; pass "
                         "overwrite=True to replace it, or choose a new folder")
    if path.exists() and not path.is_dir():
        raise ValueError(f"The 'out' parameter of {_OWNER}: {path} exists and is not a folder")
    return path


def _positives(pairs: Any, min_score: float, both_directions: bool
               ) -> tuple[list[str], list[str]]:
    scores: np.ndarray | None
    if isinstance(pairs, StsPairs):
        first, second, scores = pairs.sentences1, pairs.sentences2, pairs.scores
    elif isinstance(pairs, (tuple, list)) and len(pairs) in (2, 3):
        first, second, scores = check_pair_lists(
            pairs[0], pairs[1], pairs[2] if len(pairs) == 3 else None, owner=_OWNER,
            names=("pairs[0]", "pairs[1]", "pairs[2]"))
    else:
        raise TypeError(f"The 'pairs' parameter of {_OWNER} must be StsPairs (e.g. "
                        "load_stsb('train')), (sentences1, sentences2) or (sentences1, "
                        f"sentences2, scores). Got {type(pairs).__name__}.")
    keep = range(len(first)) if scores is None else np.flatnonzero(scores >= min_score)
    left = [first[i] for i in keep]
    right = [second[i] for i in keep]
    if len(left) < 2:
        where = ("" if scores is None or not len(scores) else
                 f" (scores range {scores.min():g} to {scores.max():g}; lower min_score, now "
                 f"{min_score:g})")
        raise ValueError(f"{_OWNER}: {len(left)} positive pair(s); in-batch negatives need at "
                         f"least two{where}")
    if both_directions:
        left, right = left + right, right + left
    return left, right
