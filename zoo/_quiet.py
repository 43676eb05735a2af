"""``python -m zoo`` without TensorFlow's start-up log lines (``ZOO_TF_LOGS=1`` shows them).

TensorFlow's C++ logging (oneDNN notices, "Could not find cuda drivers",
"failed call to cuInit") reaches stderr before anything of zoo's. Level 3 of
``TF_CPP_MIN_LOG_LEVEL`` (read once, when TensorFlow loads) silences what is
logged later, but the lines logged before absl's logging is initialised ignore
it, so stderr (file descriptor 2) also points at ``/dev/null`` while
TensorFlow is imported. Python's own errors are raised, not lost: they are
printed once stderr is back.

Level 3 is set, not defaulted: ``make train`` exports level 2 (which the tests
want), and at level 2 the ERROR line "failed call to cuInit", logged when
TensorFlow first looks for GPUs (after the import), still shows. The level only
filters log lines: the GPUs stay visible (``CUDA_VISIBLE_DEVICES`` is left alone).
With ``ZOO_TF_LOGS=1`` TensorFlow's own level applies.

Only the command line is quietened, so that a notebook or a test that imports
zoo keeps TensorFlow's messages. ``python -m zoo`` imports the package before
running ``zoo/__main__.py``; while it does, ``sys.argv[0]`` is ``"-m"``. The ``zoo``
console script's ``sys.argv[0]`` is its path, ending in ``zoo``.
"""

import os
import sys


def is_command_line():
    """Whether zoo is being imported by ``python -m zoo`` or the ``zoo`` console script."""
    return (
        sys.argv[:1] == ["-m"]
        or getattr(sys.modules.get("__main__"), "__package__", None) == "zoo"
        or os.path.basename(sys.argv[0]) == "zoo"
    )


def import_tensorflow_quietly():
    """Imports TensorFlow with its C++ log lines silenced, unless ``ZOO_TF_LOGS=1``."""
    if os.environ.get("ZOO_TF_LOGS") == "1" or "tensorflow" in sys.modules:
        return
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            try:
                import tensorflow  # noqa: F401
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)
