"""`python tests/killpoint.py POINT ARGS...`: `python -m zoo ARGS...`, SIGKILLed at POINT.

A real ``kill -9``, at a moment chosen exactly rather than raced by polling:

* ``write:STEP``: half-way through writing the checkpoint of step STEP (weights
  written, ``state.json`` not);
* ``saved:STEP``: right after the checkpoint of step STEP is in place;
* ``final``: during the final save (``.partial-model.keras`` written, not renamed);
* ``model``: right after ``model.keras`` appears, before the clean-up.
"""

import os
import signal
import sys

import zoo  # noqa: F401  (the Keras backend first)
from zoo import cli
from zoo.training import checkpoint, rundir


def _die():
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def arm(point):
    """Patches zoo so that the process dies at ``point``."""
    name, _, step = point.partition(":")
    if name == "write":
        real_write = checkpoint.Checkpoint._write

        def write(self, directory, state):
            if self.step == int(step):
                self.model.save_weights(os.path.join(directory, self.WEIGHTS))
                _die()
            real_write(self, directory, state)

        checkpoint.Checkpoint._write = write
    elif name == "saved":
        real_save = checkpoint.Checkpoint.save

        def save(self):
            target = real_save(self)
            if self.step == int(step):
                _die()
            return target

        checkpoint.Checkpoint.save = save
    elif name == "final":
        real_atomic = rundir._atomic

        def atomic(path, write):
            if path.endswith(rundir.FINAL_MODEL):
                write(os.path.join(os.path.dirname(path), ".partial-" + rundir.FINAL_MODEL))
                _die()
            real_atomic(path, write)

        rundir._atomic = atomic
    elif name == "model":
        rundir.clean_up = lambda out_dir: _die()
    else:
        raise SystemExit(f"unknown kill point {point!r}")


if __name__ == "__main__":
    arm(sys.argv[1])
    sys.exit(cli.main(sys.argv[2:]))
