# syntax=docker/dockerfile:1.7
# One image for the five services; the command picks one: `python -m tncam_<service>`.
# Build: docker build -t tncam:0.1.0 .      Run: docker run tncam:0.1.0 python -m tncam_registry

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:20-bookworm-slim

# The operator console (services/console): its esbuild bundle, from its package-lock.json.
FROM ${NODE_IMAGE} AS console
WORKDIR /src/services/console
COPY services/console/package.json services/console/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY services/console ./
RUN node build.mjs --out /console_dist

FROM ${PYTHON_IMAGE} AS build
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never \
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN pip install "uv==0.13.9"
WORKDIR /app
COPY pyproject.toml uv.lock ./
COPY proto proto
COPY libs/cli libs/cli
COPY libs/contracts libs/contracts
COPY libs/mesh libs/mesh
COPY services services
# Served by the gateway under /console/ (the workspace is installed editable: /app is the code).
COPY --from=console /console_dist services/gateway/src/tncam_gateway/console_dist
# The test kit (pytest, GStreamer bindings, server wheels) is pruned: production needs none of it.
RUN uv export --frozen --no-dev --prune tncam-testkit --no-hashes -o /tmp/requirements.txt \
 && uv venv /opt/venv --python /usr/local/bin/python3.11 \
 && VIRTUAL_ENV=/opt/venv uv pip install --no-cache -r /tmp/requirements.txt \
 && find /app -name tests -type d -prune -exec rm -rf {} +

FROM ${PYTHON_IMAGE} AS runtime
# PyAV and numpy wheels bundle FFmpeg and BLAS; tini reaps children and forwards SIGTERM.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin tncam
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TMPDIR=/tmp \
    TNCAM_ENVIRONMENT=prod \
    TNCAM_HTTP_HOST=0.0.0.0
USER 10001:10001
# The services bind 127.0.0.1 by default; a container listens on every interface (above).
# Read-only root filesystem friendly: only /tmp (an emptyDir) and the ingest spool volume are written.
EXPOSE 8000 9101 9102 9103 9105
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["python", "-m", "tncam_gateway"]
