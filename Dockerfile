# The image every step of the compiled Kubeflow pipeline runs in (python -m pipeline
# compile-kubeflow --image ...): Debian 12, CPython 3.11, the same requirements.lock as local
# runs, and this project installed so every dotted path in the spec imports.
# Build from the repository root: docker build -t iris-tfx-pipeline:0.1.0 .
FROM python:3.11.7-slim-bookworm

# PIPELINE_PROJECT_DIR: the folder the Airflow DAG file's relative default paths are in, the
# WORKDIR, where data/ is copied (the installed package, in site-packages, holds no data).
ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    TF_USE_LEGACY_KERAS=1 \
    PYTHONUNBUFFERED=1 \
    PIPELINE_PROJECT_DIR=/pipeline
WORKDIR /pipeline

COPY requirements.lock ./
RUN python -m venv "$VIRTUAL_ENV" \
    && pip install --no-cache-dir uv==0.13.9 \
    && uv pip install --python "$VIRTUAL_ENV/bin/python" --no-cache --no-deps --require-hashes \
        -r requirements.lock

COPY pyproject.toml README.md ./
COPY pipeline ./pipeline
COPY components ./components
COPY data ./data
RUN uv pip install --python "$VIRTUAL_ENV/bin/python" --no-cache --no-deps --no-build-isolation .

# Beam's SDK harness boot program, of the lock's Beam and this Python: Dataflow, and Flink or
# Spark in a DOCKER environment, start a Beam worker by running the image's entrypoint with
# the harness's flags; it starts the `python` on PATH, this virtualenv's. Kubeflow's tasks
# give a command of their own, which replaces the entrypoint.
COPY --from=apache/beam_python3.11_sdk:2.59.0 /opt/apache/beam /opt/apache/beam
ENTRYPOINT ["/opt/apache/beam/boot"]
