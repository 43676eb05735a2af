"""Full disks: a write's free space checked before it, and one clear error when it runs out.

A checkpoint is staged beside the previous one, which is deleted only once the
new one is complete, so a disk needs room for one more checkpoint. Keras'
``save_weights`` does not close its HDF5 file when a write fails; h5py then
fails again as that file is freed and the process can die in a segfault. So
the space is checked *before* writing (:func:`check_free`), and a write that
still runs out (another process filling the disk) closes what h5py left open
and raises :class:`DiskFullError` (:func:`full_disk_as_error`).
"""

import contextlib
import errno
import os
import shutil

MB = 1e6


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
    except OSError:  # some systems cannot fsync a directory
        pass


def atomic_write(path, write, then="Free some space and run the same command again."):
    """Calls ``write(staging)`` and renames the result to ``path``: a kill leaves no torn file.

    The one atomic write of zoo: the staging file sits beside ``path`` (same
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
    staging = os.path.join(directory, f".partial-{os.getpid()}-{os.path.basename(path)}")
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
