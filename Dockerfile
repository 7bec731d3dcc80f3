# syntax=docker/dockerfile:1
# The pipeline image: every step of both WorkflowTemplates runs in it, with nothing installed at run time.
# .github/workflows/image.yml builds one per commit and pushes it to GHCR tagged with the commit; an environment
# pins it by digest in overlays/<env>/kustomization.yaml (python -m validation update-image).
# tests/image/test_recipe.py installs what this file installs into a clean venv and runs the five steps from it.

# python:3.11.13-slim, its multi-platform index digest (where it was found: docs/image.md).
FROM python:3.11.13-slim@sha256:9bffe4353b925a1656688797ebc68f9c525e79b1d377a764d232182a519eeec4

# git: the ml-pipeline-git template clones the revision it runs (base/workflowtemplates/fetch-code.yaml).
# Not pinned to a Debian version: the archive drops superseded ones, so a pin breaks the next build; the
# base digest fixes the Debian release, and the image digest records what was installed.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/*

# The locked requirements: requirements.txt names what the steps import, requirements-constraints.txt pins
# everything those pull in. Kept in the image so a git-variant run can tell when its revision pins others.
COPY pipeline/requirements.txt pipeline/requirements-constraints.txt /opt/ml/
RUN python -m pip install --no-cache-dir --disable-pip-version-check \
        -r /opt/ml/requirements.txt -c /opt/ml/requirements-constraints.txt

# uid/gid 1000, as the templates' securityContext runs it; the passwd entry gives git and getpass a user.
RUN groupadd --gid 1000 pipeline \
    && useradd --uid 1000 --gid 1000 --no-create-home --home-dir /work/.home --shell /usr/sbin/nologin pipeline

# The pipeline package, root-owned and precompiled: nothing needs writing under / at run time, so the pods
# run with readOnlyRootFilesystem (they write only to /work and /tmp).
COPY pipeline/*.py /opt/ml/code/pipeline/
RUN python -m compileall -q /opt/ml/code/pipeline

ARG GIT_COMMIT=""
# GIT_COMMIT tags the MLflow runs of this image with the commit it was built from (pipeline --git-commit).
# No usage reports from MLflow or DVC: the cluster may have no way out, and a run needs none.
ENV PYTHONPATH=/opt/ml/code \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    MPLCONFIGDIR=/tmp/matplotlib \
    MLFLOW_DISABLE_TELEMETRY=true \
    DVC_NO_ANALYTICS=1 \
    GIT_COMMIT=${GIT_COMMIT}
LABEL org.opencontainers.image.revision=${GIT_COMMIT} \
      org.opencontainers.image.title="argo-ml-gitops pipeline" \
      org.opencontainers.image.description="The five steps of the Argo Workflows ML pipeline, dependencies baked in"

USER 1000:1000
WORKDIR /tmp
CMD ["python", "-m", "pipeline", "--help"]
