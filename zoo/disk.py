"""Full disks: a write's free space checked before it, and one clear error when it runs out.

A checkpoint is staged beside the previous one, which is deleted only once the
new one is complete, so a disk needs room for one more checkpoint. Keras'
``save_weights`` does not close its HDF5 file when a write fails; h5py then
fails again as that file is freed and the process can die in a segfault. So
the space is checked *before* writing (:func:`check_free`), and a write that
still runs out (another process filling the disk) closes what h5py left open
and raises :class:`DiskFullError` (:func:`full_disk_as_error`).

Every write of zoo that must never leave a torn result goes through one of two
helpers: :func:`atomic_write` for a file, :func:`atomic_directory` for a
directory. Both stage beside the target under a ``.partial-`` name, which
:func:`remove_partials` recognises as the leftovers of an interrupted write.
"""

import contextlib
import errno
import glob
import os
import shutil
import tempfile
from pathlib import Path

MB = 1e6
#: The name prefix of what a write stages beside its target (see remove_partials).
PARTIAL = ".partial-"
#: The advice closing a full-disk message, when the caller has none of its own.
THEN = "Free some space and run the same command again."


class DiskFullError(OSError):
    """A write needs more free space than its disk has; the message names both.

    Its ``errno`` is ``ENOSPC``; ``str()`` is the message alone (no "[Errno 28]").
    """

    def __init__(self, message):
        super().__init__(message)
        self.errno = errno.ENOSPC


def mount_point(path):
    """The mount point of the disk holding ``path`` (``path`` need not exist yet)."""
    path = os.path.realpath(path)
    while not os.path.exists(path):
        path = os.path.dirname(path)
    while not os.path.ismount(path):
        path = os.path.dirname(path)
    return path


def _message(directory, what, needed, free, then):
    disk = mount_point(directory)
    on = f"{directory}" + (f" (the disk mounted at {disk})" if disk != directory else "")
    need = f"needs about {needed / MB:.1f} MB" if needed else "ran out of space"
    return f"Not enough free space on {on}: {what} {need}, {free / MB:.1f} MB free. {then}"


def check_free(directory, needed, what, then):
    """Raises :class:`DiskFullError` unless ``directory``'s disk has ``needed`` bytes free.

    Args:
        directory: Where the write goes (it exists).
        needed: Bytes the write needs.
        what: What is written ("the checkpoint of step 32"), for the message.
        then: What is kept and how to go on, ending the message.
    """
    free = shutil.disk_usage(directory).free
    if free < needed:
        raise DiskFullError(_message(directory, what, needed, free, then))


def is_full_disk(error):
    """Whether ``error`` (an ``OSError``) says the disk is full."""
    return error.errno in (errno.ENOSPC, errno.EDQUOT) or "No space left on device" in str(error)


@contextlib.contextmanager
def full_disk_as_error(directory, what, then, needed=None, staging=None):
    """Turns a full disk met while writing into :class:`DiskFullError`.

    Args:
        directory: Where the write goes.
        what, then: As :func:`check_free` takes them.
        needed: Bytes the write needs, when known.
        staging: The partial file or directory the write leaves: HDF5 files
            still open on it are closed, so that freeing them cannot crash,
            and it is removed.
    """
    try:
        yield
    except OSError as e:
        if isinstance(e, DiskFullError) or not is_full_disk(e):
            raise
        if staging is not None:  # the partial files go; what they held is freed
            _close_hdf5_files(staging)
            if os.path.isdir(staging):
                shutil.rmtree(staging, ignore_errors=True)
            elif os.path.exists(staging):
                os.remove(staging)
        free = shutil.disk_usage(directory).free
        raise DiskFullError(_message(directory, what, needed, free, then)) from None


def _close_hdf5_files(prefix):
    """Closes the open HDF5 files under ``prefix``, discarding what they could not write."""
    import h5py

    for file_id in h5py.h5f.get_obj_ids(types=h5py.h5f.OBJ_FILE):
        with contextlib.suppress(Exception):
            name = os.fsdecode(file_id.name)
            if os.path.realpath(name).startswith(os.path.realpath(prefix)):
                h5py.File(file_id).close()  # closes its datasets and groups too


def tree_bytes(path):
    """Bytes of the files under ``path``."""
    return sum(
        os.path.getsize(os.path.join(root, name))
        for root, _, names in os.walk(path)
        for name in names
    )


def fsync(path):
    """Flushes ``path`` (a file, or a directory's entries) to disk, where the OS allows."""
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as e:  # some systems cannot fsync a directory; a full disk lost data
        if is_full_disk(e):
            raise


def atomic_write(path, write, then=THEN):
    """Calls ``write(staging)`` and renames the result to ``path``: a kill leaves no torn file.

    The atomic file write of zoo: the staging file sits beside ``path`` (same
    disk, so the rename is atomic) and keeps its suffix (Keras picks a format
    by it). A write that fails, a full disk included (:class:`DiskFullError`,
    whose message ends with ``then``), leaves no partial file behind.

    Args:
        path: The file to write.
        write: ``write(staging_path)`` writes the whole file.
        then: What the user can do after a full disk.
    """
    path = os.fspath(path)
    directory = os.path.dirname(path) or "."
    staging = os.path.join(directory, f"{PARTIAL}{os.getpid()}-{os.path.basename(path)}")
    try:
        with full_disk_as_error(
            directory, f"writing {os.path.basename(path)}", then, None, staging
        ):
            write(staging)
        os.replace(staging, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(staging)
        raise


@contextlib.contextmanager
def atomic_directory(target, *, overwrite=False, what=None, then=THEN, needed=None):
    """Yields an empty staging directory, then swaps it in for ``target``: nothing torn is seen.

    The directory twin of :func:`atomic_write`. The ``with`` block fills the
    staging directory, made beside ``target`` (same disk, so the renames are
    atomic) and named ``.partial-<name>-XXXXXXXX``; when the block ends, its
    files are flushed to disk and it is renamed to ``target``. A previous
    ``target`` is moved aside first, put back if the rename fails, and deleted
    once the new one is in place. Any exception in the block or the swap
    (``KeyboardInterrupt`` included) removes the staging directory and is
    re-raised, ``target`` left as it was; a full disk becomes
    :class:`DiskFullError`, as :func:`full_disk_as_error` words it.

    Replacing a non-empty directory takes two renames (no rename replaces
    one), between which ``target`` is missing: a kill there leaves the
    previous directory in ``.partial-<name>-replaced-*/old``, which
    :func:`remove_partials` puts back.

    Args:
        target: The directory to write; its parent is created if missing.
        overwrite: Replace a non-empty ``target``. An empty one is always replaced.
        what: What is written, for the full-disk message; default "writing NAME".
        then: What the user can do after a full disk, ending its message.
        needed: Bytes the write needs, when known, for the full-disk message.

    Yields:
        The staging directory, a :class:`pathlib.Path`.

    Raises:
        NotADirectoryError: if ``target`` is a file.
        FileExistsError: if ``target`` is a non-empty directory and
            ``overwrite`` is false (checked before and again at the swap).
        DiskFullError: if the disk fills up while writing.

    Example:
        >>> with atomic_directory("presets/gan", overwrite=True) as staging:  # doctest: +SKIP
        ...     (staging / "config.json").write_text("{}")
    """
    target = os.fspath(target)
    _check_target(target, overwrite)
    directory = os.path.dirname(target) or "."
    os.makedirs(directory, exist_ok=True)
    name = os.path.basename(target)
    staging = Path(tempfile.mkdtemp(prefix=f"{PARTIAL}{name}-", dir=directory))
    try:
        with full_disk_as_error(directory, what or f"writing {name}", then, needed, staging):
            yield staging
            for root, _, names in os.walk(staging):  # flushed before the rename publishes them
                for file in names:
                    fsync(os.path.join(root, file))
                fsync(root)
            _check_target(target, overwrite)  # another process may have written it meanwhile
            _swap(staging, target, f"{PARTIAL}{name}-replaced-")
            fsync(directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # gone already unless the swap failed
        raise


def _check_target(target, overwrite):
    if os.path.exists(target) and not os.path.isdir(target):
        raise NotADirectoryError(f"{target!r} is a file, not a directory; choose a directory path.")
    if not overwrite and os.path.isdir(target) and os.listdir(target):
        raise FileExistsError(
            f"{target!r} already exists; pass --overwrite (overwrite=True) to replace it, "
            "or choose another path."
        )


def _swap(staging, target, prefix):
    """Renames ``staging`` to ``target``; should that fail, the previous ``target`` is put back.

    A rename cannot replace a non-empty directory, so the previous one is
    first renamed into a ``prefix`` directory beside it (deleted afterwards).
    """
    if not (os.path.isdir(target) and os.listdir(target)):
        os.replace(staging, target)  # nothing to keep: an empty directory is replaced
        return
    retired = tempfile.mkdtemp(prefix=prefix, dir=os.path.dirname(target) or ".")
    old = os.path.join(retired, "old")
    try:
        os.replace(target, old)
    except BaseException:
        os.rmdir(retired)
        raise
    try:
        os.replace(staging, target)
    except BaseException:
        # Should this fail too, the previous directory stays in ``retired``.
        os.replace(old, target)
        os.rmdir(retired)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def remove_partials(directory):
    """Deletes what interrupted writes left in ``directory``: its ``.partial-*`` files and dirs.

    A directory that :func:`atomic_directory` had moved aside when a kill
    stopped its swap, and that nothing has replaced, is put back first.
    """
    directory = os.fspath(directory)
    partials = glob.glob(os.path.join(glob.escape(directory), PARTIAL + "*"))
    for path in partials:
        name, replaced, _ = os.path.basename(path)[len(PARTIAL) :].rpartition("-replaced-")
        old, target = os.path.join(path, "old"), os.path.join(directory, name)
        if replaced and os.path.isdir(old) and not os.path.exists(target):
            os.replace(old, target)
    for path in partials:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)
