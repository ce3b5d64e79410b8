# Production image: gunicorn serving grid_platform.wsgi; the same image runs the Celery
# worker and beat (docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    WEB_CONCURRENCY=2 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# GeoDjango (GDAL, GEOS, PROJ), SpatiaLite for the embedded database, gettext for
# compilemessages. The official Python image's sqlite3 can load extensions.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        gdal-bin libgdal32 libgeos-c1v5 libproj25 libsqlite3-mod-spatialite gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .

# The build steps live in one script, which `make test` runs too (with DEBUG off): compile
# the translation catalogues, collect static files with the production storage.
RUN scripts/build.sh

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin app \
    && mkdir -p /app/var/media \
    && chown -R app:app /app/var
USER app

EXPOSE 8000
# gunicorn reads its worker count from WEB_CONCURRENCY.
CMD ["gunicorn", "grid_platform.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
