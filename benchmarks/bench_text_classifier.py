"""Benchmark: the text classifier on a generated sentiment corpus; like vs hate.

No real labelled text set is in the data mirror, so the corpus is generated, with its truth
planted and known:

* a sentence is a template (9 templates, 4 to 14 tokens) filled with a subject, a sentiment
  verb (6 positive, 6 negative), a noun (30) and sometimes an intensifier; a third of the
  sentences end with an adjective clause ("... and it was so great") whose adjective agrees
  with the verb's sentiment;
* a quarter of the sentences are negated ("i do not love this film"), which flips the label:
  a bag of words (mean pooling) cannot read that, word order (the GRU) can;
* every sentiment verb appears in exactly the same templates, so co-occurrence cannot tell
  "like" from "hate"; only the label can. Labels are clean (no noise).

word2vec (everyvec, CBOW, dim 32, one thread so that it is reproducible) is trained on the
training texts plus 20,000 unlabelled sentences of the same generator, as pretraining would
be. Contenders: embeddings from scratch, initialised from word2vec and frozen, and initialised
from word2vec and fine-tuned; each with mean pooling and with a GRU. Reported: test accuracy
(all, and negated sentences only), fit time, training rows per second, epochs, and
cos(like, hate) / cos(like, love) / the verb separation in each model's word vectors.

Writes ``benchmarks/results/text_classifier.md``.

Usage: ``python benchmarks/bench_text_classifier.py [--train 3000] [--threads 1]``
"""

from __future__ import annotations

import argparse
import platform
import random
import shlex
import sys
import time
from typing import Any

import numpy as np
from _common import REPO, peak_rss_mib  # a sibling module of this script

POSITIVE = ["like", "love", "enjoy", "adore", "admire", "appreciate"]
NEGATIVE = ["hate", "dislike", "loathe", "despise", "detest", "resent"]
GOOD = ["great", "wonderful", "fun", "lovely"]
BAD = ["awful", "boring", "terrible", "dreadful"]
NOUNS = ["movie", "book", "song", "film", "show", "game", "meal", "place", "hotel", "album",
         "novel", "series", "car", "phone", "laptop", "camera", "restaurant", "cafe", "band",
         "play", "museum", "park", "beach", "city", "app", "course", "teacher", "coffee",
         "pizza", "team"]
SUBJECTS = ["i", "we", "they", "my friends", "my sister", "everyone here"]
TEMPLATES = ["{s} {v} this {n}", "{s} really {v} the {n}", "{s} {v} that {n} a lot",
             "honestly {s} {v} the new {n}", "{s} {v} it", "{s} always {v} a good {n}",
             "after the trip {s} {v} the {n} even more", "{s} {v} the {n} they showed us",
             "to be fair {s} {v} this {n} from the start"]


def sentence(rng: random.Random) -> tuple[list[str], int, bool]:
    """One generated sentence, its label (1 positive) and whether it is negated."""
    positive_verb = rng.random() < 0.5
    negated = rng.random() < 0.25
    verb = rng.choice(POSITIVE if positive_verb else NEGATIVE)
    if negated:
        verb = f"do not {verb}"
    text = rng.choice(TEMPLATES).format(s=rng.choice(SUBJECTS), v=verb, n=rng.choice(NOUNS))
    label = int(positive_verb != negated)
    if rng.random() < 1 / 3:
        text += f" and it was so {rng.choice(GOOD if label else BAD)}"
    return text.split(), label, negated


def corpus(n: int, seed: int) -> tuple[list[list[str]], list[int], np.ndarray]:
    rng = random.Random(seed)
    rows = [sentence(rng) for _ in range(n)]
    return [r[0] for r in rows], [r[1] for r in rows], np.array([r[2] for r in rows])


def cosine(vectors: Any, a: str, b: str) -> float:
    u, v = vectors[a], vectors[b]
    return float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))


def separation(vectors: Any) -> float:
    """Mean cosine of same-sentiment verb pairs minus that of opposite pairs (0: mixed)."""
    unit = {w: vectors[w] / np.linalg.norm(vectors[w]) for w in POSITIVE + NEGATIVE}
    same = [unit[a] @ unit[b] for group in (POSITIVE, NEGATIVE)
            for i, a in enumerate(group) for b in group[i + 1:]]
    across = [unit[a] @ unit[b] for a in POSITIVE for b in NEGATIVE]
    return float(np.mean(same) - np.mean(across))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", type=int, default=3000, help="labelled training texts")
    parser.add_argument("--test", type=int, default=2000)
    parser.add_argument("--unlabelled", type=int, default=20000)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (1: small models; more threads only contend)")
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()

    import torch

    from everyvec import Word2Vec
    from everyvec.nn.batching import SequenceBatches
    from everyvec.nn.text_classifier import TextClassifier

    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    texts, labels, _ = corpus(args.train, seed=0)
    test, truth, test_negated = corpus(args.test, seed=1)
    unlabelled, _, _ = corpus(args.unlabelled, seed=2)

    w2v_started = time.perf_counter()
    word2vec = Word2Vec(32, window=5, min_count=1, epochs=5, workers=1,
                        seed=0).fit(texts + unlabelled).vectors
    w2v_seconds = time.perf_counter() - w2v_started

    common = {"epochs": args.epochs, "batch_size": 64, "lr": 1e-2, "hidden_size": 32,
              "validation_fraction": 0.1, "patience": 3, "seed": 0, "progress": False}
    contenders = {
        "scratch": {"embedding_dim": 32},
        "word2vec, frozen": {"vectors": word2vec, "freeze": True},
        "word2vec, fine-tuned": {"vectors": word2vec, "freeze": False},
    }
    # One small fit first: torch's one-time start-up costs would otherwise land on the
    # first contender's timing.
    for pooling in ("mean", "gru"):
        TextClassifier(16, epochs=1, pooling=pooling, progress=False).fit(texts[:300],
                                                                         labels[:300])
    rows = []
    for pooling in ("mean", "gru"):
        for name, params in contenders.items():
            fit_started = time.perf_counter()
            model = TextClassifier(**params, **common, pooling=pooling).fit(texts, labels)
            seconds = time.perf_counter() - fit_started
            predicted = np.asarray(model.predict(test))
            correct = predicted == np.asarray(truth)
            vectors = model.word_vectors_
            rows.append({"model": f"{name}, {pooling}", "accuracy": correct.mean(),
                         "negated": correct[test_negated].mean(),
                         "plain": correct[~test_negated].mean(), "fit_s": seconds,
                         "rows_s": model.rows_per_second_, "epochs": len(model.history_),
                         "best": model.best_epoch_,
                         "like_hate": cosine(vectors, "like", "hate"),
                         "like_love": cosine(vectors, "like", "love"),
                         "separation": separation(vectors)})
            print(rows[-1], flush=True)

    ids = [list(range(3, 3 + len(t) + 1)) for t in texts]  # lengths are what matter here
    generator = torch.Generator().manual_seed(0)
    bucketed = SequenceBatches(ids, batch_size=64, pad=0).padding_share(generator)
    unbucketed = SequenceBatches(ids, batch_size=64, pad=0, bucket_size=64).padding_share(
        torch.Generator().manual_seed(0))
    lengths = [len(t) for t in texts]

    command = "python benchmarks/bench_text_classifier.py" + "".join(
        f" {shlex.quote(a)}" for a in sys.argv[1:])
    best = max(r["accuracy"] for r in rows)
    table = ["| model | test accuracy | plain sentences | negated sentences | fit s | "
             "train rows/s | epochs (best) | cos(like, hate) | cos(like, love) | verb separation |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
             f"| word2vec (CBOW, dim 32; {args.train + args.unlabelled:,} sentences) | | | | "
             f"{w2v_seconds:.1f} | | | {cosine(word2vec, 'like', 'hate'):.3f} | "
             f"{cosine(word2vec, 'like', 'love'):.3f} | {separation(word2vec):.3f} |"]
    for r in rows:
        accuracy = f"{r['accuracy']:.3f}"
        if r["accuracy"] == best:
            accuracy = f"**{accuracy}**"
        table.append(f"| {r['model']} | {accuracy} | {r['plain']:.3f} | {r['negated']:.3f} | "
                     f"{r['fit_s']:.1f} | {r['rows_s']:,.0f} | {r['epochs']} ({r['best']}) | "
                     f"{r['like_hate']:.3f} | {r['like_love']:.3f} | {r['separation']:.3f} |")
    body = [
        "# Text classifier: scratch vs word2vec-initialised embeddings, mean vs GRU",
        "",
        f"Command: `{command}`",
        "",
        f"{args.threads} torch threads, CPU; {platform.machine()}, Python "
        f"{platform.python_version()}, torch {torch.__version__}; whole run "
        f"{time.perf_counter() - started:.0f} s, peak RSS {peak_rss_mib():.0f} MiB.",
        "",
        "## Data",
        "",
        "Generated (no labelled text set is in the data mirror): "
        f"{args.train:,} training and {args.test:,} test sentences from templates with a "
        "sentiment verb (6 positive, 6 negative; every verb in exactly the same templates), "
        "30 nouns, an agreeing adjective clause in a third of the sentences, and a negation "
        f"(\"do not\", flipping the label) in a quarter ({int(test_negated.sum())} test "
        f"sentences). Lengths {min(lengths)} to {max(lengths)} tokens. word2vec also saw "
        f"{args.unlabelled:,} unlabelled sentences of the same generator.",
        "",
        "## Results",
        "",
        f"Embedding dim 32, GRU hidden 32, batch 64, Adam lr 1e-2, at most {args.epochs} "
        "epochs with early stopping on a 10% validation split (patience 3), seed 0.",
        "",
        *table,
        "",
        "*Verb separation*: mean cosine between verbs of the same sentiment minus mean cosine "
        "between verbs of opposite sentiment (0: sentiment does not show in the vectors).",
        "",
        f"Length bucketing: {100 * bucketed:.1f}% of the padded cells are padding per epoch "
        f"with `SequenceBatches`' default buckets, {100 * unbucketed:.1f}% with random batches.",
        "",
        "## Reading it",
        "",
        "- **Co-occurrence cannot separate like from hate here**: every sentiment verb sits in "
        "the same contexts, so word2vec gives cos(like, hate) about as high as cos(like, "
        "love), and the verb separation is about 0. Embeddings trained on the label pull the "
        "two sentiments apart (positive separation, lower cos(like, hate)); fine-tuning moves "
        "word2vec's like and hate apart while like and love stay together.",
        "- **Frozen word2vec vectors with mean pooling stay near chance**: the average of "
        "nearly identical verb vectors carries almost nothing (word2vec mixes up the "
        "adjectives the same way). The GRU reading the same frozen vectors does much better: "
        "a non-linear reader amplifies the small differences that remain, so vectors that do "
        "not *separate* like and hate are not void of the difference.",
        "- **Fine-tuning from word2vec matches training from scratch**: the pretrained start "
        "neither helps nor hurts here, because by construction the unlabelled corpus holds "
        "no signal the labels lack (on real text, pretraining helps with words rare in the "
        "labelled set).",
        "- **Mean pooling cannot read negation** (a bag of words cannot express 'do not' "
        "flipping the verb): its accuracy on negated sentences is the gap to the GRU.",
        "- Throughput: CPU, batches of 64; a small warm-up fit runs before the timed ones. "
        "Frozen tables train faster (no embedding gradient); the GRU costs several times "
        "mean pooling per row. Timings on a shared machine are noisy.",
    ]
    out = REPO / "benchmarks" / "results" / "text_classifier.md"
    out.write_text("\n".join(body) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
