# The GeoCRM app for container deployments (see docker-compose.yml). The database is a
# separate PostGIS service reached through DATABASE_URL, so no PostgreSQL server here.

# the web map app, built from npm packages
FROM node:20-slim AS frontend
WORKDIR /frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/build.mjs frontend/report-assets.json ./
COPY frontend/src ./src
RUN npm run build

# the wheel: the package with its SQL, tile functions, demo settings and the built web app
# (with the Leaflet files `geocrm report --offline` inlines) as package data
FROM python:3.11-slim AS wheel
WORKDIR /src
COPY pyproject.toml README.md ./
COPY geocrm ./geocrm
COPY spatial_sql ./spatial_sql
COPY tiles ./tiles
COPY data/demo ./data/demo
COPY --from=frontend /frontend/dist ./frontend/dist
# the map labels' glyphs, rendered from Debian's Noto fonts (as `geocrm fonts build` does)
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-core \
    && rm -rf /var/lib/apt/lists/* && pip install --no-cache-dir freetype-py numpy \
    && python -c "from pathlib import Path; from geocrm import fonts; \
list(fonts.build(Path('frontend/dist/fonts')))"
RUN pip wheel --no-cache-dir --no-deps -w /wheels .

FROM python:3.11-slim
COPY --from=wheel /wheels /wheels
# the app runs as its own unprivileged user, owner of /app only
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels \
    && useradd --system --uid 10001 --home-dir /app --create-home --shell /usr/sbin/nologin geocrm
# what GeoCRM generates (.geocrm/: app-role secret, imports/ with uploads and rejects
# reports; data/generated/: demo files) goes below here
WORKDIR /app
USER geocrm

# No password in the image: DATABASE_URL (and with it the database password) comes from the
# environment (docker-compose.yml reads GEOCRM_DB_PASSWORD). Outside a container
# `geocrm serve` listens on 127.0.0.1 only; in one it must listen on every interface for the
# port mapping to reach it, so this image says so explicitly (the mapping decides who can
# connect: docker-compose.yml publishes it on the host's loopback only).
ENV GEOCRM_HOST=0.0.0.0 GEOCRM_PORT=8000
EXPOSE 8000
# Schema, demo city, demo CRM and enrichment (each skipped when already done), then serve.
CMD ["sh", "-c", "geocrm db migrate && geocrm load-osm && geocrm demo-data && geocrm enrich && geocrm cube build && geocrm leads build && geocrm serve"]
