"""The HTTP front door (FastAPI): thin routes over the domain modules."""
