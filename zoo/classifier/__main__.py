"""``python -m zoo.classifier [DATASET]``: loads (or trains once) a data set's classifier."""

import json
import sys

from zoo.classifier import load_or_train

_, meta = load_or_train(dataset=sys.argv[1] if len(sys.argv) > 1 else "mnist")
print(json.dumps(meta, indent=2))
