"""Benchmark: recommending from embeddings on MovieLens 100k and a DIGINETICA session sample.

Same split, same metrics, one run for every model:

* **MovieLens 100k** (``ml-100k/u.data``; every rating counts as a watch): each user's history
  ordered by timestamp (ties: file order), the last watch held out (leave-last-out), top-10
  recommendations with watched items excluded. Models: most-popular, item-kNN (cosine on
  co-occurrence counts), everyvec item2vec (sequence mode; scored by skip-gram's own
  prediction, input vectors against output vectors, and by the classic cosine similarity; set
  mode), the same item2vec recipe trained by gensim Word2Vec (the peer a user would pick
  otherwise), and the YouTube-style candidate model (PyTorch, sampled softmax). A sweep of
  ``ns_exponent`` shows how much the noise distribution matters for items.
* **DIGINETICA** (``diginetica_sample``): sessions ordered by (eventdate, timeframe), the last
  view of every session with at least two views held out; next-item hit rate@20.

Recall@k counts hits over held-out items (one per user here, so it equals the hit rate);
NDCG@k uses binary gains; coverage is the share of the catalogue that appears in any list.

Writes ``benchmarks/results/recs.md``.

Usage: ``python benchmarks/bench_recs.py [--data DIR] [--seeds 3] [--workers 2]``
"""

from __future__ import annotations

import argparse
import platform
import shlex
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from _common import REPO, data_root, peak_rss_mib  # a sibling module of this script

Histories = Mapping[str, Sequence[str]]
#: Chosen by a small sweep on this split (lr, epochs, dropout, width, negatives; the report
#: of issue 5 lists it): the defaults (lr 1e-3, 10 epochs) stop before the model converges.
YOUTUBE = {"lr": 3e-3, "epochs": 30, "dropout": 0.2}


#: Set by the DIGINETICA section: also score lists that may repeat items of the session.
ALSO_SEEN = {"on": False}
METRICS = ("recall", "ndcg", "hit_rate", "coverage")


def evaluate(name: str, build: Callable[[], Any], histories: Histories, test: Histories,
             k: int) -> dict[str, Any]:
    """Fit with ``build()`` (timed), then evaluate top-``k`` lists on the held-out items."""
    from everyvec.evaluate.recs import evaluate_recommender

    started = time.perf_counter()
    recommender = build()
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    report = evaluate_recommender(recommender, histories, test, k=k, progress=False)
    seconds = time.perf_counter() - started
    row = {"model": name, "fit_s": fit_seconds, "eval_s": seconds, **report.to_dict()}
    if ALSO_SEEN["on"]:
        again = evaluate_recommender(recommender, histories, test, k=k, progress=False,
                                     exclude_seen=False)
        row |= {f"{key}_seen": getattr(again, key) for key in METRICS}
    print(f"  {name}: recall@{k} {report.recall:.4f} ndcg {report.ndcg:.4f} "
          f"coverage {report.coverage:.3f} fit {fit_seconds:.1f}s", flush=True)
    return row


def seeded(name: str, builder: Callable[[int], Callable[[], Any]], seeds: Sequence[int],
           histories: Histories, test: Histories, k: int) -> dict[str, Any]:
    """Run a randomised model once per seed; report means and the spread of recall."""
    rows = [evaluate(f"{name} (seed {s})", builder(s), histories, test, k) for s in seeds]
    keys = [key for key in rows[0] if key.split("_seen")[0] in (*METRICS, "fit_s", "eval_s")]
    merged = {key: statistics.fmean(r[key] for r in rows) for key in keys}
    spread = statistics.pstdev([r["recall"] for r in rows]) if len(rows) > 1 else 0.0
    return {"model": name, **merged, "recall_sd": spread, "runs": len(rows),
            "users": rows[0]["users"]}


class GensimItem2Vec:
    """The item2vec recipe through gensim's Word2Vec, ranked exactly as everyvec ranks."""

    def __init__(self, sequences: list[list[str]], **params: Any) -> None:
        from gensim.models import Word2Vec as GensimWord2Vec

        from everyvec import Vectors
        from everyvec.recommend import VectorRecommender

        model = GensimWord2Vec(sequences, sg=1, **params)
        keys = list(model.wv.index_to_key)
        inputs = Vectors(keys, model.wv.vectors)
        outputs = Vectors(keys, model.syn1neg)
        self.recommender = VectorRecommender(outputs, history_vectors=inputs, metric="dot",
                                             weighting="recency", half_life=10.0)


def movielens(root: Path, seeds: Sequence[int], workers: int) -> tuple[list[str], dict]:
    from everyvec import Item2Vec
    from everyvec.data import Interactions
    from everyvec.recommend import ItemKNN, MostPopular, YouTubeCandidates

    log = Interactions.read(root / "ml-100k" / "u.data", sep="\t",
                            names=["user", "item", "rating", "timestamp"],
                            timestamp="timestamp", rating="rating")
    train, test = log.leave_last_out(n=1)
    histories = train.sequences()
    sequences = list(histories.values())
    k = 10
    print(f"MovieLens 100k: {len(log):,} ratings, {log.n_users} users, {log.n_items} items; "
          f"{len(test)} held out", flush=True)
    item2vec = {"vector_size": 64, "window": 5, "negative": 5, "epochs": 10,
                "workers": workers}
    rows = [
        evaluate("most popular", lambda: MostPopular().fit(train), histories, test, k),
        evaluate("item-kNN (cosine, all neighbours)", lambda: ItemKNN().fit(train),
                 histories, test, k),
        evaluate("item-kNN (cosine, 100 neighbours)", lambda: ItemKNN(neighbors=100).fit(train),
                 histories, test, k),
        seeded("everyvec item2vec, sequence, predict",
               lambda s: lambda: Item2Vec(seed=s, **item2vec).fit(train).recommender(),
               seeds, histories, test, k),
        seeded("gensim item2vec, sequence, predict",
               lambda s: lambda: GensimItem2Vec(sequences, seed=s, min_count=1, sample=0,
                                                ns_exponent=0.75, vector_size=64, window=5,
                                                negative=5, epochs=10,
                                                workers=workers).recommender,
               seeds, histories, test, k),
        seeded("everyvec item2vec, sequence, similar (cosine)",
               lambda s: lambda: Item2Vec(seed=s, **item2vec).fit(train).recommender("similar"),
               seeds, histories, test, k),
        seeded("everyvec item2vec, set, similar (cosine)",
               lambda s: lambda: Item2Vec(seed=s, mode="set", **{**item2vec, "epochs": 5})
               .fit(train).recommender("similar"), seeds, histories, test, k),
        seeded("YouTube-style candidates (PyTorch; lr 3e-3, 30 epochs, dropout 0.2)",
               lambda s: lambda: YouTubeCandidates(seed=s, **YOUTUBE).fit(train),
               seeds, histories, test, k),
    ]
    sweep = [seeded(f"ns_exponent = {ns}",
                    lambda s, ns=ns: lambda: Item2Vec(seed=s, ns_exponent=ns, **item2vec)
                    .fit(train).recommender(), seeds, histories, test, k)
             for ns in (1.0, 0.75, 0.5, 0.0, -0.5)]
    lines = [f"## MovieLens 100k: leave-last-out, top-{k}",
             "",
             f"{len(log):,} ratings as implicit watches, {log.n_users} users, "
             f"{log.n_items:,} items; each user's last watch (by timestamp) held out: "
             f"{len(test)} test users. item2vec: dim 64, window 5, negative 5, 10 epochs, "
             f"{workers} threads, recency-weighted history (half-life 10 items); "
             f"{len(seeds)} seeds for randomised models (mean; sd of recall).",
             "",
             *table(rows, k),
             "",
             "### item2vec `ns_exponent` (sequence mode, predict scoring)",
             "",
             *table(sweep, k)]
    return lines, {"movielens": rows, "ns_sweep": sweep}


def diginetica(root: Path, seeds: Sequence[int], workers: int) -> tuple[list[str], dict]:
    from everyvec import Item2Vec
    from everyvec.data import Interactions
    from everyvec.evaluate.recs import evaluate_recommender
    from everyvec.recommend import ItemKNN, MostPopular

    log = Interactions.read(root / "diginetica_sample" / "sample_train-item-views.csv",
                            user="session_id", item="item_id", timestamp="eventdate",
                            order=["timeframe"])
    train, test = log.leave_last_out(n=1)
    histories = train.sequences()
    k = 20
    ALSO_SEEN["on"] = True
    repeats = sum(item in set(histories.get(user, ())) for user, items in test.items()
                  for item in items)
    unseen = sum(item not in train.item_counts() for items in test.values() for item in items)
    print(f"DIGINETICA: {len(log):,} views, {log.n_users} sessions, {log.n_items} items; "
          f"{len(test)} held out ({unseen} of them never seen in training)", flush=True)
    # A sample this small needs many more epochs than MovieLens: pick epochs and
    # ns_exponent on a validation split carved out of the training sessions (their own last
    # views), never on the test items.
    fit_part, validation = train.leave_last_out(n=1)
    valid_histories = fit_part.sequences()
    choices = {}
    for mode, scoring in (("sequence", "predict"), ("sequence", "similar"),
                          ("set", "similar")):
        scored = []
        for epochs in (20, 100, 200):
            for ns in (0.75, 0.0):
                model = Item2Vec(32, mode=mode, window=5, epochs=epochs, ns_exponent=ns,
                                 workers=workers, seed=1).fit(fit_part)
                report = evaluate_recommender(model.recommender(scoring, half_life=1.0),
                                              valid_histories, validation, k=k,
                                              progress=False)
                scored.append((report.hit_rate, epochs, ns))
        best = max(scored)
        choices[mode, scoring] = {"epochs": best[1], "ns_exponent": best[2]}
        print(f"  validation picks {mode}/{scoring}: {choices[mode, scoring]}", flush=True)

    def item2vec(mode: str, scoring: str) -> Callable[[int], Callable[[], Any]]:
        params = {"vector_size": 32, "window": 5, "workers": workers,
                  **choices[mode, scoring]}
        return lambda s: lambda: (Item2Vec(seed=s, mode=mode, **params).fit(train)
                                  .recommender(scoring, half_life=1.0))

    rows = [
        evaluate("most popular", lambda: MostPopular().fit(train), histories, test, k),
        evaluate("item-kNN (cosine)", lambda: ItemKNN().fit(train), histories, test, k),
        *(seeded(f"everyvec item2vec, {mode}, {scoring} ({choices[mode, scoring]['epochs']} "
                 f"epochs, ns_exponent {choices[mode, scoring]['ns_exponent']})",
                 item2vec(mode, scoring), seeds, histories, test, k)
          for mode, scoring in choices),
    ]
    ALSO_SEEN["on"] = False
    lines = [f"## DIGINETICA session sample: next item, hit rate@{k}",
             "",
             f"{len(log):,} item views in {log.n_users:,} sessions over {log.n_items:,} items; "
             f"the last view of each of the {len(test):,} sessions with two or more views is "
             f"held out. {unseen:,} of those items never occur in training (no model can "
             f"recommend them) and {repeats:,} are a return to an item viewed earlier in the "
             f"same session, so two columns: lists without the session's items (the usual "
             f"protocol; those {repeats:,} can never be hit) and lists that may repeat them. "
             f"item2vec: dim 32, window 5, negative 5, history weighted with a half-life of "
             f"1 item (the last view counts most); epochs (20, 100, 200) and ns_exponent "
             f"(0.75, 0) chosen per row by hit rate on a validation split (each training "
             f"session's own last view), then refitted on all training sessions.",
             "",
             *table(rows, k, with_seen=True)]
    return lines, {"diginetica": rows}


NOTES = """## Notes

- **item2vec beats most-popular clearly on MovieLens** (recall@10 0.145 vs 0.086, 1.7×) only
  with the *predict* scoring: the history's input vectors against the candidates' output
  vectors, skip-gram's own estimate of what co-occurs, which keeps the popularity the model
  learned. The classic cosine between input vectors (`recommender("similar")`) ranks obscure
  items first on this data and falls far below most-popular (0.026); on DIGINETICA's sparse
  sessions it is close to *predict* and has the best coverage.
- **gensim vs everyvec item2vec**: the same recipe trained by gensim (same settings, same
  ranking code) scores 0.151 vs 0.145 — within about 1.5 standard deviations of the seeds —
  and everyvec trains about 3.5× faster (0.5 s vs 1.8 s).
- **`ns_exponent`** matters: 1.0 (noise ∝ popularity) halves recall; 0.75 is best for
  MovieLens next-item prediction, while lower values trade recall for coverage. On DIGINETICA
  the validation split picked 0 for *predict*.
- **The YouTube-style model is the best on MovieLens** (0.169) but costs 100× the training time.
  Its settings (lr 3e-3, 30 epochs, dropout 0.2) come from a small sweep on this same split
  (no separate validation set), so its row is optimistic by the usual tuning bias; item2vec
  ran with its defaults here. Its class defaults (lr 1e-3, 10 epochs) give about 0.115.
- **Set mode** on MovieLens (every pair of a user's ~100 watches) is slower (the window spans
  the whole history) and below sequence mode: for a watch log, order carries information.
- **DIGINETICA** is a 12k-view sample, so every number is small and rare items dominate;
  item2vec needs 200 epochs (chosen on validation), and item-kNN is close behind. A quarter of the
  held-out views return to an item of the same session: with repeats allowed, every model's
  hit rate triples.
"""


def table(rows: list[dict[str, Any]], k: int, with_seen: bool = False) -> list[str]:
    best = max(r["recall"] for r in rows)
    head = f"| model | recall@{k} (= hit rate) | NDCG@{k} | coverage | fit s |"
    rule = "|---|---:|---:|---:|---:|"
    if with_seen:
        head += f" hit rate@{k}, repeats allowed | NDCG@{k}, repeats allowed |"
        rule += "---:|---:|"
    out = [head, rule]
    for r in rows:
        recall = f"{r['recall']:.4f}"
        if r.get("recall_sd"):
            recall += f" ± {r['recall_sd']:.4f}"
        if r["recall"] == best:
            recall = f"**{recall}**"
        line = (f"| {r['model']} | {recall} | {r['ndcg']:.4f} | {r['coverage']:.3f} | "
                f"{r['fit_s']:.1f} |")
        if with_seen:
            line += f" {r['hit_rate_seen']:.4f} | {r['ndcg_seen']:.4f} |"
        out.append(line)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="the data mirror (default: $EVERYVEC_DATA, ../shared)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    root = data_root(args.data)
    if root is None or not (root / "ml-100k" / "u.data").is_file():
        sys.exit("bench_recs: the data mirror with ml-100k and diginetica_sample was not found")
    seeds = list(range(1, args.seeds + 1))
    started = time.perf_counter()
    ml_lines, _ = movielens(root, seeds, args.workers)
    dg_lines, _ = diginetica(root, seeds, args.workers)
    command = "python benchmarks/bench_recs.py" + "".join(
        f" {shlex.quote(a)}" for a in sys.argv[1:])
    body = ["# Recommending: item2vec, YouTube-style candidates and baselines",
            "",
            f"Command: `{command}`",
            "",
            f"{args.workers} threads; {platform.machine()}, Python "
            f"{platform.python_version()}; whole run {time.perf_counter() - started:.0f} s, "
            f"peak RSS {peak_rss_mib():.0f} MiB.",
            "",
            *ml_lines,
            "",
            *dg_lines,
            "",
            NOTES.rstrip()]
    out = REPO / "benchmarks" / "results" / "recs.md"
    out.write_text("\n".join(body) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
