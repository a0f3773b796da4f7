# The GeoCRM app for container deployments (see docker-compose.yml). The database is a
# separate PostGIS service reached through DATABASE_URL, so no PostgreSQL server here.

# the web map app, built from npm packages
FROM node:20-slim AS frontend
WORKDIR /frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/build.mjs ./
COPY frontend/src ./src
RUN npm run build

FROM python:3.11-slim

WORKDIR /app
COPY pyproject.toml README.md ./
COPY geocrm ./geocrm
RUN pip install --no-cache-dir -e .
COPY spatial_sql ./spatial_sql
COPY tiles ./tiles
COPY --from=frontend /frontend/dist ./frontend/dist
# the Leaflet assets that `geocrm report --offline` inlines
COPY --from=frontend /frontend/node_modules ./frontend/node_modules
COPY data ./data

ENV GEOCRM_HOST=0.0.0.0 GEOCRM_PORT=8000
EXPOSE 8000
# Schema, demo city, demo CRM and enrichment (each skipped when already done), then serve.
CMD ["sh", "-c", "geocrm db migrate && geocrm load-osm && geocrm demo-data && geocrm enrich && geocrm cube build && geocrm serve"]
