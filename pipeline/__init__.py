"""Pipeline wiring, configuration, runners and the `python -m pipeline` command line.

TF_USE_LEGACY_KERAS must be set before TensorFlow is first imported (see components/__init__);
setting it here too covers entry points that reach TensorFlow through TFX before our components.
"""

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
