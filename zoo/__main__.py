import sys

import zoo  # noqa: F401  (sets the Keras backend before anything imports keras)
from zoo.cli import main

sys.exit(main())
