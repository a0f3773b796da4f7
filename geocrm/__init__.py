"""GeoCRM: a geographic CRM map service on PostGIS."""

__version__ = "0.1.0"
