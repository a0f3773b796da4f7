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
RUN pip wheel --no-cache-dir --no-deps -w /wheels .

FROM python:3.11-slim
COPY --from=wheel /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
# what GeoCRM generates (data/generated/: rejects reports, demo files) goes below here
WORKDIR /app

ENV GEOCRM_HOST=0.0.0.0 GEOCRM_PORT=8000
EXPOSE 8000
# Schema, demo city, demo CRM and enrichment (each skipped when already done), then serve.
CMD ["sh", "-c", "geocrm db migrate && geocrm load-osm && geocrm demo-data && geocrm enrich && geocrm cube build && geocrm serve"]
