"""zoo.disk's atomic directory write: the old directory or the new one, never a torn one."""

import errno
import os

import pytest

from zoo import disk


def _fill(directory, text):
    (directory / "a.txt").write_text(text)
    (directory / "sub").mkdir()
    (directory / "sub" / "b.txt").write_text(text)


def _contents(directory):
    return {
        str(p.relative_to(directory)): p.read_text()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def old(tmp_path):
    """``tmp_path/out``, a complete directory written before."""
    target = tmp_path / "out"
    target.mkdir()
    _fill(target, "old")
    return target


def _only_target(tmp_path):
    return sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_success_replaces_the_old_directory(old, tmp_path):
    with disk.atomic_directory(old, overwrite=True) as staging:
        # Beside the target (one disk), under the name remove_partials deletes after a kill.
        assert staging.parent == tmp_path and staging.name.startswith(".partial-out-")
        assert list(staging.iterdir()) == []
        _fill(staging, "new")
        assert _contents(old) == {"a.txt": "old", "sub/b.txt": "old"}  # not yet swapped
    assert _contents(old) == {"a.txt": "new", "sub/b.txt": "new"}
    assert _only_target(tmp_path)  # neither the staging nor the retired directory is left


def test_a_new_target_and_its_parents_are_created(tmp_path):
    target = tmp_path / "a" / "b" / "out"
    with disk.atomic_directory(str(target)) as staging:
        _fill(staging, "new")
    assert _contents(target) == {"a.txt": "new", "sub/b.txt": "new"}
    assert os.listdir(target.parent) == ["out"]


@pytest.mark.parametrize("error", [RuntimeError("writer failed"), KeyboardInterrupt()])
def test_an_exception_in_the_writer_keeps_the_old_directory_and_no_staging(old, tmp_path, error):
    with pytest.raises(type(error)):
        with disk.atomic_directory(old, overwrite=True) as staging:
            _fill(staging, "torn")
            raise error
    assert _contents(old) == {"a.txt": "old", "sub/b.txt": "old"}
    assert _only_target(tmp_path)


def test_without_overwrite_an_existing_directory_is_refused_with_the_fix(old, tmp_path):
    fix = r"already exists; pass --overwrite \(overwrite=True\) to replace it"
    with pytest.raises(FileExistsError, match=fix):
        with disk.atomic_directory(old) as staging:
            pytest.fail(f"the writer ran, in {staging}")
    assert _contents(old) == {"a.txt": "old", "sub/b.txt": "old"}
    assert _only_target(tmp_path)


def test_without_overwrite_an_empty_directory_is_replaced(tmp_path):
    (tmp_path / "out").mkdir()
    with disk.atomic_directory(tmp_path / "out") as staging:
        _fill(staging, "new")
    assert _contents(tmp_path / "out") == {"a.txt": "new", "sub/b.txt": "new"}


def test_a_directory_written_meanwhile_by_another_process_is_not_replaced(tmp_path):
    target = tmp_path / "out"
    with pytest.raises(FileExistsError, match="already exists"):
        with disk.atomic_directory(target) as staging:
            _fill(staging, "mine")
            target.mkdir()
            _fill(target, "theirs")
    assert _contents(target) == {"a.txt": "theirs", "sub/b.txt": "theirs"}
    assert _only_target(tmp_path)


def test_a_file_at_the_target_is_refused(tmp_path):
    (tmp_path / "out").write_text("a file")
    with pytest.raises(NotADirectoryError, match="is a file"):
        with disk.atomic_directory(tmp_path / "out", overwrite=True):
            pass
    assert (tmp_path / "out").read_text() == "a file"


def test_a_failed_swap_puts_the_previous_directory_back(old, tmp_path, monkeypatch):
    real_replace = os.replace
    calls = []

    def failing_replace(src, dst):
        calls.append((os.path.basename(src), os.path.basename(dst)))
        if os.path.basename(src).startswith(".partial-out-"):  # the new one going in
            raise OSError(errno.EIO, "simulated I/O error")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="simulated"):
        with disk.atomic_directory(old, overwrite=True) as staging:
            _fill(staging, "new")
    # Retired, the swap tried, then put back.
    assert [dst for _, dst in calls] == ["old", "out", "out"]
    assert _contents(old) == {"a.txt": "old", "sub/b.txt": "old"}
    assert _only_target(tmp_path)


def test_a_full_disk_is_one_clear_error_and_leaves_nothing(old, tmp_path):
    with pytest.raises(disk.DiskFullError) as raised:
        with disk.atomic_directory(
            old, overwrite=True, what="the thing", then="Free some space.", needed=2e6
        ) as staging:
            _fill(staging, "torn")
            raise OSError(errno.ENOSPC, "No space left on device")
    message = str(raised.value)
    assert message.startswith(f"Not enough free space on {tmp_path}")
    assert ": the thing needs about 2.0 MB, " in message and message.endswith("Free some space.")
    assert _contents(old) == {"a.txt": "old", "sub/b.txt": "old"}
    assert _only_target(tmp_path)


def test_remove_partials_deletes_the_leftovers_of_both_helpers(tmp_path):
    (tmp_path / ".partial-123-model.keras").write_text("torn file")
    (tmp_path / ".partial-step-00000004-x1y2").mkdir()
    (tmp_path / ".partial-step-00000004-x1y2" / "model.weights.h5").write_text("torn")
    (tmp_path / "keep.txt").write_text("kept")
    (tmp_path / "partial-not-hidden").mkdir()
    disk.remove_partials(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt", "partial-not-hidden"]
    disk.remove_partials(tmp_path / "missing")  # nothing to do, no error


def test_remove_partials_puts_back_a_directory_a_kill_left_moved_aside(old, tmp_path):
    # What a SIGKILL between the swap's two renames leaves: the new one staged,
    # the previous one moved aside, nothing at the target.
    staging = tmp_path / ".partial-out-a1b2"
    staging.mkdir()
    _fill(staging, "new")
    (tmp_path / ".partial-out-replaced-c3d4").mkdir()
    os.replace(old, tmp_path / ".partial-out-replaced-c3d4" / "old")
    disk.remove_partials(tmp_path)
    assert _contents(old) == {"a.txt": "old", "sub/b.txt": "old"}
    assert _only_target(tmp_path)
