"""``everyvec item2vec``, ``everyvec recommend`` and ``everyvec eval-recs``: item vectors from
an interaction log, recommendations from them, and a table comparing recommenders on a
held-out split."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from everyvec.cli._common import (
    JsonOption,
    ProgressOption,
    console,
    err_console,
    friendly_errors,
    load_vectors,
    print_json,
)
from everyvec.cli.files import FORMATS

MODELS = ("item2vec", "popular", "itemknn")
SPLITS = ("leave-last-out", "time")

LogPath = Annotated[Path, typer.Argument(help="Interaction log: CSV / TSV (separator guessed) "
                                         "or Parquet.", exists=True, dir_okay=False)]
OrderOption = Annotated[list[str] | None, typer.Option(
    "--order", help="Column ordering interactions with equal timestamps (repeatable).")]
SepOption = Annotated[str | None, typer.Option(
    help="Field separator of a text log (default: guessed; '\\t' for tab).")]
NamesOption = Annotated[str | None, typer.Option(
    help="Comma-separated column names of a log without a header line, e.g. "
    "user,item,rating,timestamp.")]
RatingOption = Annotated[str | None, typer.Option(help="Rating column.")]
MinRatingOption = Annotated[float | None, typer.Option(
    help="Keep only interactions rated at least this (needs --rating).")]

# Item2Vec settings, shared by `item2vec` and `eval-recs`.
ModeOption = Annotated[str, typer.Option(
    help="sequence (a window over time-ordered histories) or set (every pair of a basket).")]
DimOption = Annotated[int, typer.Option("--dim", "--vector-size", min=1, help="Dimension.")]
WindowOption = Annotated[int, typer.Option(min=1, help="Context window (sequence mode).")]
NegativeOption = Annotated[int, typer.Option(min=1, help="Noise items per positive.")]
NsExponentOption = Annotated[float, typer.Option(
    help="Noise distribution = popularity ** this (0.75 as word2vec; lower favours the "
    "long tail).")]
EpochsOption = Annotated[int, typer.Option(min=1, help="Passes over the histories.")]
MinCountOption = Annotated[int, typer.Option(min=1, help="Drop items seen fewer times.")]
SeedOption = Annotated[int, typer.Option(min=0, help="Random seed.")]
WorkersOption = Annotated[int | None, typer.Option(
    min=1, help="Threads (default: all cores; 1 is reproducible).")]


def _read_log(path: Path, *, user: str, item: str, timestamp: str | None,
              order: list[str] | None, rating: str | None, min_rating: float | None,
              sep: str | None, names: str | None) -> Any:
    from everyvec.data.interactions import Interactions

    if min_rating is not None and rating is None:
        raise ValueError("--min-rating needs --rating (the column holding ratings)")
    columns = [n.strip() for n in names.split(",")] if names else None
    with err_console.status(f"reading {path}…", spinner="dots"):
        log = Interactions.read(path, user=user, item=item, timestamp=timestamp, rating=rating,
                                order=order or None, sep=sep, names=columns)
        if min_rating is not None:
            log = log.filter(min_rating=min_rating)
    if not len(log):
        raise ValueError(f"{path}: no interactions left to use")
    err_console.print(f"{path.name}: {len(log):,} interactions, {log.n_users:,} users, "
                      f"{log.n_items:,} items" + (f" ({log.dropped:,} rows without user or "
                                                  "item dropped)" if log.dropped else ""))
    return log


def item2vec(
    log: LogPath,
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to save the item vectors.")],
    output_vectors: Annotated[Path | None, typer.Option(
        "--output-vectors", help="Also save skip-gram's output vectors here (for "
        "`everyvec recommend --output-vectors`, which ranks by the model's prediction).")]
    = None,
    user: Annotated[str, typer.Option(help="User (or session) column.")] = "user",
    item: Annotated[str, typer.Option(help="Item column.")] = "item",
    timestamp: Annotated[str | None, typer.Option(
        help="Time column (histories follow it; default: file order).")] = None,
    order: OrderOption = None,
    rating: RatingOption = None,
    min_rating: MinRatingOption = None,
    sep: SepOption = None,
    names: NamesOption = None,
    mode: ModeOption = "sequence",
    dim: DimOption = 64,
    window: WindowOption = 5,
    negative: NegativeOption = 5,
    ns_exponent: NsExponentOption = 0.75,
    epochs: EpochsOption = 10,
    min_count: MinCountOption = 1,
    seed: SeedOption = 1,
    workers: WorkersOption = None,
    to: Annotated[str, typer.Option("--to", "-t", help="Output format: "
                                    + ", ".join(FORMATS) + ".")] = "native",
    progress: ProgressOption = None,
) -> None:
    """Train item2vec on the histories in LOG and save the item vectors to --out."""
    from everyvec.train.item2vec import Item2Vec

    if to not in FORMATS:
        raise ValueError(f"--to must be one of {', '.join(FORMATS)}; got {to!r}")
    interactions = _read_log(log, user=user, item=item, timestamp=timestamp, order=order,
                             rating=rating, min_rating=min_rating, sep=sep, names=names)
    started = time.perf_counter()
    model = Item2Vec(dim, mode=mode, window=window, negative=negative,
                     ns_exponent=ns_exponent, epochs=epochs, min_count=min_count, seed=seed,
                     workers=workers, progress=progress).fit(interactions)
    written = model.vectors.save(out, format=to)
    err_console.print(f"{len(model.vectors):,} items × {dim} dims from "
                      f"{interactions.n_users:,} histories in "
                      f"{time.perf_counter() - started:.1f} s; saved to {written}")
    if output_vectors is not None:
        err_console.print(f"output vectors saved to "
                          f"{model.output_vectors.save(output_vectors, format=to)}")


item2vec = friendly_errors(item2vec)


def recommend(
    vectors: Annotated[Path, typer.Argument(help="Item vectors (any format).", exists=True)],
    items: Annotated[list[str] | None, typer.Argument(
        help="The history, oldest first (or use --log and --user).")] = None,
    output_vectors: Annotated[Path | None, typer.Option(
        "--output-vectors", exists=True, help="Skip-gram output vectors (from `everyvec "
        "item2vec --output-vectors`): rank candidates by inner product of the history's "
        "VECTORS with these — the model's own next-item score.")] = None,
    k: Annotated[int, typer.Option("-k", min=1, help="Items to recommend.")] = 10,
    weighting: Annotated[str, typer.Option(
        help="mean (every history item alike) or recency (recent items weigh more).")]
    = "mean",
    half_life: Annotated[float, typer.Option(
        min=0.0, help="Items after which a weight halves (--weighting recency).")] = 5.0,
    index: Annotated[str, typer.Option(
        "--index", help="Index spec: exact, hnsw:M=32,ef=128, ...")] = "exact",
    metric: Annotated[str, typer.Option(help="cosine, dot or euclidean.")] = "cosine",
    log: Annotated[Path | None, typer.Option(
        help="Take the history from this interaction log...", exists=True, dir_okay=False)]
    = None,
    user: Annotated[str | None, typer.Option(help="...for this user (or session).")] = None,
    user_column: Annotated[str, typer.Option(help="User column of --log.")] = "user",
    item_column: Annotated[str, typer.Option(help="Item column of --log.")] = "item",
    timestamp_column: Annotated[str | None, typer.Option(help="Time column of --log.")]
    = None,
    order: OrderOption = None,
    sep: SepOption = None,
    names: NamesOption = None,
    include_seen: Annotated[bool, typer.Option(
        "--include-seen", help="Also recommend items of the history.")] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Vectors format (auto).")]
    = "auto",
    as_json: JsonOption = False,
) -> None:
    """Recommend K items for a history: the ITEMS given, or a user's history in --log."""
    from everyvec.recommend.base import VectorRecommender

    if (log is None) != (user is None):
        raise ValueError("--log and --user go together (the log and whose history to take)")
    if log is not None and items:
        raise ValueError("give the history either as ITEMS or with --log/--user, not both")
    if log is not None:
        sequences = _read_log(log, user=user_column, item=item_column,
                              timestamp=timestamp_column, order=order, rating=None,
                              min_rating=None, sep=sep, names=names).sequences()
        if user not in sequences:
            raise ValueError(f"user {user!r} is not in {log}")
        history = sequences[user]
    elif items:
        history = list(items)
    else:
        raise ValueError("give the history as ITEMS, or --log LOG --user USER")
    vecs = load_vectors(vectors, fmt)
    known = [one for one in history if one in vecs.key_to_index]
    if not known:
        from everyvec.errors import MissingKeyError

        raise MissingKeyError(history[-1]) if len(history) == 1 else ValueError(
            f"none of the {len(history)} history items is in {vectors}")
    if len(known) < len(history):
        err_console.print(f"{len(history) - len(known)} of {len(history)} history items have "
                          "no vector and are ignored")
    if output_vectors is not None:
        candidates = load_vectors(output_vectors, fmt)
        recommender = VectorRecommender(candidates, history_vectors=vecs, weighting=weighting,
                                        half_life=half_life, metric="dot", index=index)
    else:
        recommender = VectorRecommender(vecs, weighting=weighting, half_life=half_life,
                                        metric=metric, index=index)
    results = recommender.recommend(history, k, exclude_seen=not include_seen)
    if as_json:
        print_json([{"item": key, "score": score} for key, score in results])
        return
    title = (f"for {user}" if user is not None else "for the history") + (
        f" ({len(history)} items, last: {history[-1]})")
    table = Table(title=title, title_justify="left")
    table.add_column("#", justify="right", style="dim")
    table.add_column("item")
    table.add_column("score", justify="right")
    for rank, (key, score) in enumerate(results, start=1):
        table.add_row(str(rank), key, f"{score:.4f}")
    console.print(table)


recommend = friendly_errors(recommend)


def _cutoff(at: str) -> float | str:
    try:
        return float(at)
    except ValueError:
        return at  # a date: the split parses it


def _fit_model(name: str, train: Any, options: dict[str, Any]) -> Any:
    if name == "popular":
        from everyvec.recommend.baselines import MostPopular

        return MostPopular().fit(train)
    if name == "itemknn":
        from everyvec.recommend.baselines import ItemKNN

        return ItemKNN(options["neighbors"], shrink=options["shrink"]).fit(train)
    from everyvec.train.item2vec import Item2Vec

    model = Item2Vec(options["dim"], mode=options["mode"], window=options["window"],
                     negative=options["negative"], ns_exponent=options["ns_exponent"],
                     epochs=options["epochs"], min_count=options["min_count"],
                     seed=options["seed"], workers=options["workers"],
                     progress=options["progress"]).fit(train)
    return model.recommender(options["scoring"], weighting=options["weighting"],
                             half_life=options["half_life"])


def eval_recs(
    log: LogPath,
    user: Annotated[str, typer.Option(help="User (or session) column.")] = "user",
    item: Annotated[str, typer.Option(help="Item column.")] = "item",
    timestamp: Annotated[str | None, typer.Option(
        help="Time column (needed by --split time; orders histories).")] = None,
    order: OrderOption = None,
    rating: RatingOption = None,
    min_rating: MinRatingOption = None,
    sep: SepOption = None,
    names: NamesOption = None,
    split: Annotated[str, typer.Option(
        help="leave-last-out (each user's last --holdout items) or time (one moment for "
        "everybody: --at or --fraction).")] = "leave-last-out",
    holdout: Annotated[int, typer.Option(min=1, help="Items held out per user "
                                         "(leave-last-out).")] = 1,
    fraction: Annotated[float, typer.Option(
        min=0.0, max=1.0, help="Share of interactions before the cut (time split).")] = 0.8,
    at: Annotated[str | None, typer.Option(
        help="Cut moment for the time split: a timestamp or an ISO date.")] = None,
    model: Annotated[list[str] | None, typer.Option(
        "--model", "-m", help="item2vec, popular or itemknn (repeatable; default: all).")]
    = None,
    k: Annotated[int, typer.Option("-k", min=1, help="Cut-off of the metrics.")] = 10,
    mode: ModeOption = "sequence",
    dim: DimOption = 64,
    window: WindowOption = 5,
    negative: NegativeOption = 5,
    ns_exponent: NsExponentOption = 0.75,
    epochs: EpochsOption = 10,
    min_count: MinCountOption = 1,
    scoring: Annotated[str, typer.Option(
        help="item2vec ranking: predict (history input vectors · candidate output vectors, "
        "skip-gram's own score) or similar (cosine of input vectors).")] = "predict",
    weighting: Annotated[str, typer.Option(
        help="item2vec user vector: mean or recency (weighted towards recent items).")]
    = "recency",
    half_life: Annotated[float, typer.Option(
        min=0.0, help="item2vec: items after which a history weight halves (recency).")]
    = 10.0,
    seed: SeedOption = 1,
    workers: WorkersOption = None,
    neighbors: Annotated[int | None, typer.Option(
        min=1, help="itemknn: neighbours kept per item (default: all).")] = None,
    shrink: Annotated[float, typer.Option(min=0.0, help="itemknn: cosine shrinkage.")] = 0.0,
    as_json: JsonOption = False,
    progress: ProgressOption = None,
) -> None:
    """Split LOG, fit each --model on the training part, and compare recall@k, NDCG@k, hit
    rate@k and coverage@k on the held-out items."""
    from everyvec.evaluate.recs import evaluate_recommender

    models = list(dict.fromkeys(model or MODELS))
    for name in models:
        if name not in MODELS:
            raise ValueError(f"--model must be one of {', '.join(MODELS)}; got {name!r}")
    if split not in SPLITS:
        raise ValueError(f"--split must be one of {', '.join(SPLITS)}; got {split!r}")
    for option, value, choices in (("--mode", mode, ("sequence", "set")),
                                   ("--scoring", scoring, ("predict", "similar")),
                                   ("--weighting", weighting, ("mean", "recency"))):
        if value not in choices:
            raise ValueError(f"{option} must be {' or '.join(choices)}; got {value!r}")
    interactions = _read_log(log, user=user, item=item, timestamp=timestamp, order=order,
                             rating=rating, min_rating=min_rating, sep=sep, names=names)
    if split == "leave-last-out":
        train, test = interactions.leave_last_out(holdout)
        how = f"last {holdout} per user held out"
    else:
        if timestamp is None:
            raise ValueError("--split time needs --timestamp (the time column)")
        train, test = (interactions.time_split(at=_cutoff(at)) if at is not None
                       else interactions.time_split(fraction=fraction))
        how = f"time split at {at}" if at is not None else f"time split at {fraction:.0%}"
    histories = train.sequences()
    options = dict(dim=dim, mode=mode, window=window, negative=negative,
                   ns_exponent=ns_exponent, epochs=epochs, min_count=min_count, seed=seed,
                   workers=workers, progress=progress, scoring=scoring,
                   weighting=weighting, half_life=half_life,
                   neighbors=neighbors, shrink=shrink)
    rows = []
    for name in models:
        started = time.perf_counter()
        with err_console.status(f"fitting {name}…", spinner="dots"):
            recommender = _fit_model(name, train, options)
        fit_seconds = time.perf_counter() - started
        report = evaluate_recommender(recommender, histories, test, k, progress=progress)
        rows.append({"model": name, **report.to_dict(), "fit_seconds": fit_seconds})
    if as_json:
        print_json({"log": str(log), "split": split, "holdout": how, "k": k,
                    "train_interactions": len(train), "models": rows})
        return
    table = Table(title=f"{log.name}: {how}; {len(train):,} training interactions, "
                  f"{rows[0]['users']:,} test users", title_justify="left")
    for column in ("model", f"recall@{k}", f"NDCG@{k}", f"hit rate@{k}", f"coverage@{k}",
                   "fit s"):
        table.add_column(column, justify="left" if column == "model" else "right")
    for row in rows:
        table.add_row(row["model"], f"{row['recall']:.4f}", f"{row['ndcg']:.4f}",
                      f"{row['hit_rate']:.4f}", f"{row['coverage']:.4f}",
                      f"{row['fit_seconds']:.2f}")
    console.print(table)


eval_recs = friendly_errors(eval_recs)
