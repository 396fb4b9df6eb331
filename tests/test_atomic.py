"""Atomic writes: all or nothing, and the permissions an ordinary write would give."""

from __future__ import annotations

import os
import stat

import pytest

from everyvec._atomic import atomic_dir, atomic_file


def test_file_is_replaced_whole_or_not_at_all(tmp_path):
    target = tmp_path / "out.txt"
    with atomic_file(target, "w") as handle:
        handle.write("first\n")
    with pytest.raises(RuntimeError), atomic_file(target, "w") as handle:
        handle.write("half of the second")
        raise RuntimeError("interrupted")
    assert target.read_text() == "first\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temp file left


def test_saved_files_get_umask_permissions_not_private_ones(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_file(tmp_path / "f.bin") as handle:
            handle.write(b"x")
        with atomic_dir(tmp_path / "folder") as folder:
            (folder / "inside").write_bytes(b"y")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "f.bin").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "folder").stat().st_mode) == 0o755


def test_folder_replacement_keeps_old_one_on_failure(tmp_path):
    with atomic_dir(tmp_path / "d") as folder:
        (folder / "a").write_text("1")
    with pytest.raises(RuntimeError), atomic_dir(tmp_path / "d") as folder:
        (folder / "a").write_text("2")
        raise RuntimeError("interrupted")
    assert (tmp_path / "d" / "a").read_text() == "1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]
