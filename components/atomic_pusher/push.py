"""Publishing a SavedModel into a serving directory so that a reader never sees half of it
and a push never replaces or skips another.

TFX's Pusher names a version after the current Unix second and copies into it in place: a
second push in the same second is skipped while ML Metadata records it as pushed, and a
reader (TF Serving polls the directory) can load a version whose copy is still going on or
was killed. Here the copy goes to a hidden staging folder, which readers ignore because its
name is not a number, and is then renamed into place: renaming a folder is atomic on a
local filesystem, and refuses a name that is already taken, so a taken version moves the
push on to the next number. On object stores (gs://, s3://), which cannot rename a folder
atomically, a push copies in place with saved_model.pb last, as TFX does, but still never
reuses or skips a version.
"""

import errno
import os
import shutil
import time
import uuid
from collections.abc import Callable

from components.serving_directory import EXTRA_DIR, SAVED_MODEL_FILE, existing_versions

STAGING_PREFIX = ".staging-"


def push_model(
    model_path: str,
    base_directory: str,
    extra_dir: str | None = None,
    clock: Callable[[], float] = time.time,
) -> tuple[str, str]:
    """Copy the SavedModel at `model_path` to a new version under `base_directory`, with the
    files of the local folder `extra_dir` added to its assets.extra/; return (version, path).
    The version is the current Unix second, or one more than the newest version already there
    if that is not older, so the newest push is always the one served.
    """
    version = max([int(clock()), *(v + 1 for v in existing_versions(base_directory))])
    if "://" in base_directory:
        return _push_to_object_store(model_path, base_directory, version, extra_dir)
    os.makedirs(base_directory, exist_ok=True)
    staging = os.path.join(base_directory, f"{STAGING_PREFIX}{uuid.uuid4().hex}")
    # saved_model.pb last: loaders take its presence as "the model is complete".
    shutil.copytree(model_path, staging, ignore=shutil.ignore_patterns(SAVED_MODEL_FILE))
    if extra_dir:
        shutil.copytree(extra_dir, os.path.join(staging, EXTRA_DIR), dirs_exist_ok=True)
    shutil.copy2(
        os.path.join(model_path, SAVED_MODEL_FILE), os.path.join(staging, SAVED_MODEL_FILE)
    )
    while True:
        destination = os.path.join(base_directory, str(version))
        try:
            # Atomic, and refused when another push already holds this version.
            os.rename(staging, destination)
            return str(version), destination
        except OSError as error:
            if error.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
            version += 1


def _push_to_object_store(
    model_path: str, base_directory: str, version: int, extra_dir: str | None
) -> tuple[str, str]:
    """gs:// and s3:// have no atomic folder rename: copy in place with saved_model.pb last
    (as TFX does), but into a version no other push holds, never skipping the push."""
    import tensorflow as tf

    while tf.io.gfile.exists(destination := os.path.join(base_directory, str(version))):
        version += 1
    _copy_files(model_path, destination, skip=os.path.join(model_path, SAVED_MODEL_FILE))
    if extra_dir:
        _copy_files(extra_dir, os.path.join(destination, EXTRA_DIR))
    tf.io.gfile.copy(
        os.path.join(model_path, SAVED_MODEL_FILE), os.path.join(destination, SAVED_MODEL_FILE)
    )
    return str(version), destination


def _copy_files(source: str, destination: str, skip: str | None = None) -> None:
    """Copy the tree `source` into `destination` file by file, but the file `skip`."""
    import tensorflow as tf

    for directory, _, files in tf.io.gfile.walk(source):
        target_directory = os.path.join(destination, os.path.relpath(directory, source))
        tf.io.gfile.makedirs(target_directory)
        for name in files:
            if os.path.join(directory, name) != skip:
                tf.io.gfile.copy(
                    os.path.join(directory, name),
                    os.path.join(target_directory, name),
                    overwrite=True,
                )
