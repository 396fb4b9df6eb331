"""Saving survives a crash at any step: the folder always reopens with the same content.

A "crash" is simulated by making the n-th file-system mutation (rename, unlink, fsync, …)
raise, and every later one too, so that nothing runs after it — not even the cleanup of the
``except`` blocks, as when a process dies. Then the folder is reopened from disk.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil

import numpy as np
import pytest

from everyvec import Collection

MUTATIONS = ("replace", "rename", "unlink", "remove", "rmdir", "mkdir", "fsync", "ftruncate")


class Crash(Exception):
    """The simulated death of the process."""


@contextlib.contextmanager
def crash_after(monkeypatch, steps: int):
    """Let ``steps`` file-system mutations through; the next one and all later ones raise."""
    seen: list[str] = []

    def wrap(name, function):
        def wrapped(*args, **kwargs):
            seen.append(name)
            if len(seen) > steps:
                raise Crash(f"crash at {name} (step {len(seen)})")
            return function(*args, **kwargs)
        return wrapped

    with monkeypatch.context() as patch:
        for name in MUTATIONS:
            patch.setattr(os, name, wrap(name, getattr(os, name)))
        patch.setattr(shutil, "rmtree", wrap("rmtree", shutil.rmtree))
        yield seen


def content(c) -> tuple:
    return (c.keys, np.array(c.vectors.matrix), [c.metadata(k) for k in c.keys])


def same(a: tuple, b: tuple) -> bool:
    return a[0] == b[0] and np.array_equal(a[1], b[1]) and a[2] == b[2]


@pytest.fixture
def template(tmp_path, small):
    """A collection folder with an older snapshot behind it and logged changes pending."""
    folder = small.save(tmp_path / "template")
    small.upsert(["k1"], np.zeros(8))
    small.save()
    with Collection.open(folder, writable=True) as c:
        c.upsert(["new", "k2"], np.ones((2, 8)), metadata=[{"lang": "xx"}, {"n": -1}])
        c.delete(["k3", "k4"])
    (folder / "v000001").mkdir()  # an orphan snapshot from some earlier crash
    return folder


def version(folder) -> str:
    return json.loads((folder / "manifest.json").read_text())["collection"]["version"]


def test_crash_at_every_step_of_save(tmp_path, template, monkeypatch):
    monkeypatch.setattr(os, "fsync", lambda fd: None)  # counted below, but no need to wait
    expected = content(Collection.open(template))
    outcomes = []
    for steps in range(200):
        folder = shutil.copytree(template, tmp_path / f"run{steps}")
        c = Collection.open(folder, writable=True)
        with crash_after(monkeypatch, steps) as seen:
            try:
                c.save()
                crashed = False
            except Crash:
                crashed = True
        c.close()  # the dead process's lock goes with it
        reopened = Collection.open(folder)
        assert same(content(reopened), expected), f"content differs after crash at {seen[-1]}"
        outcomes.append((crashed, version(folder)))
        # Whatever the crash left behind, the next save cleans it up.
        with Collection.open(folder, writable=True) as c:
            c.save()
        names = sorted(p.name for p in folder.iterdir())
        assert names == ["lock", "manifest.json", version(folder)], names
        assert same(content(Collection.open(folder)), expected)
        shutil.rmtree(folder)
        if not crashed:
            break
    else:  # pragma: no cover
        pytest.fail("save never finished")
    # Crashes hit both sides of the commit point, and a finished save needed many steps.
    assert ("v000002" in {v for crashed, v in outcomes if crashed}
            and "v000003" in {v for crashed, v in outcomes if crashed})
    assert len(outcomes) > 15


def test_failed_cleanup_is_only_a_warning(tmp_path, template, monkeypatch, caplog):
    def refuse(path, *args, **kwargs):
        raise PermissionError(f"cannot remove {path}")

    with Collection.open(template, writable=True) as c:
        monkeypatch.setattr(shutil, "rmtree", refuse)
        monkeypatch.setattr(os, "unlink", refuse)
        with caplog.at_level(logging.WARNING, logger="everyvec.collection"):
            c.save()
        monkeypatch.undo()
        assert "could not remove" in caplog.text
        assert (template / "v000002").is_dir() and (template / "log.jsonl").exists()
        c.upsert(["after"], np.ones(8))  # appended to the stale log, against v000003
        expected = content(c)
    assert same(content(Collection.open(template)), expected)
    with Collection.open(template, writable=True) as c:
        c.save()
    assert sorted(p.name for p in template.iterdir()) == ["lock", "manifest.json", "v000004"]


def test_failed_append_leaves_no_half_line(tmp_path, template, monkeypatch):
    with Collection.open(template, writable=True) as c:
        before = (template / "log.jsonl").read_bytes()
        monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError("disk")))
        with pytest.raises(OSError, match="disk"):
            c.upsert(["x"], np.ones(8))
        monkeypatch.undo()
        assert "x" not in c  # the change was not applied either
        assert (template / "log.jsonl").read_bytes() == before
        c.upsert(["y"], np.ones(8))
    reopened = Collection.open(template)
    assert "y" in reopened and "x" not in reopened


def test_failure_just_after_the_commit_keeps_the_log_right(template, monkeypatch):
    """If the manifest was replaced but saving then failed, later changes are logged against
    the new snapshot (lines naming the old one would be skipped on reopening)."""
    from everyvec.collection import store

    commit = store.commit

    def commit_then_fail(folder, manifest):
        commit(folder, manifest)
        raise OSError("fsync failed")

    with Collection.open(template, writable=True) as c:
        monkeypatch.setattr(store, "commit", commit_then_fail)
        with pytest.raises(OSError, match="fsync failed"):
            c.save()
        monkeypatch.undo()
        c.upsert(["after"], np.ones(8))
        expected = content(c)
    assert version(template) == "v000003"
    assert same(content(Collection.open(template)), expected)
