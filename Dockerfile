# The GeoCRM app for container deployments (see docker-compose.yml). The database is a
# separate PostGIS service reached through DATABASE_URL, so no PostgreSQL server here.
FROM python:3.11-slim

WORKDIR /app
COPY pyproject.toml README.md ./
COPY geocrm ./geocrm
RUN pip install --no-cache-dir -e .
COPY spatial_sql ./spatial_sql
COPY tiles ./tiles
COPY frontend ./frontend
COPY data ./data

ENV GEOCRM_HOST=0.0.0.0 GEOCRM_PORT=8000
EXPOSE 8000
# Schema, demo city, demo CRM and enrichment (each skipped when already done), then serve.
CMD ["sh", "-c", "geocrm db migrate && geocrm load-osm && geocrm demo-data && geocrm enrich && geocrm cube build && geocrm serve"]
