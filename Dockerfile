# ocpi-cpo from the wheel CI builds and tests (make dist; .ci/wheel-check runs the demo from it).
# Build: make dist && docker build -t ocpi-cpo:VERSION .   (docs/deployment.md, "Containers")
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system ocpi-cpo \
    && useradd --system --gid ocpi-cpo --home-dir /var/lib/ocpi-cpo --create-home ocpi-cpo

# Exactly the wheel in dist/: nothing else from the checkout goes into the image.
COPY dist/ocpi_cpo-*-py3-none-any.whl /tmp/
RUN pip install /tmp/ocpi_cpo-*-py3-none-any.whl && rm /tmp/ocpi_cpo-*.whl

USER ocpi-cpo
WORKDIR /var/lib/ocpi-cpo
EXPOSE 8080

# Liveness: GET /health answers while the process runs (no database access). Orchestrators use
# GET /ready (database, migrations, worker) to route traffic.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=2).status != 200)"]

ENTRYPOINT ["ocpi-cpo", "--config", "/etc/ocpi-cpo/ocpi-cpo.toml"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
