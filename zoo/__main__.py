import sys

import zoo  # noqa: F401  (sets the Keras backend and quietens TensorFlow: zoo/_quiet.py)
from zoo.cli import main

sys.exit(main())
