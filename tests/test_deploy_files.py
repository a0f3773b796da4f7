"""The container files keep no secret and expose nothing by default: the database password
comes from the environment, the image runs as an unprivileged user, the app listens on every
interface only inside its container (said explicitly) and is published on loopback only."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _setting(text: str, name: str) -> list[str]:
    return re.findall(rf"(?m)^\s+{name}:\s*(.+?)\s*$", text)


def test_compose_takes_the_database_password_from_the_environment():
    compose = (ROOT / "docker-compose.yml").read_text()
    (db_password,) = _setting(compose, "POSTGRES_PASSWORD")
    assert re.fullmatch(r"\$\{GEOCRM_DB_PASSWORD:\?[^}]+\}", db_password)
    (url,) = _setting(compose, "DATABASE_URL")
    assert re.match(r"postgresql://[^:]+:([^@]+)@", url).group(1).startswith("${GEOCRM_DB_")
    # the app listens on every interface in its container, said explicitly, and the port
    # is published on the host's loopback only; the database is not published at all
    assert _setting(compose, "GEOCRM_HOST") == ["0.0.0.0"]
    published = re.findall(r'(?m)^\s+- "(\S+:\d+:\d+)"', compose)
    assert published and all(p.startswith("127.0.0.1:") for p in published)
    assert len(re.findall(r"(?m)^\s+ports:", compose)) == 1  # the app's, not the db's
    assert ".env" in (ROOT / ".gitignore").read_text().split()


def test_the_image_holds_no_secret_and_runs_unprivileged():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert not re.search(r"(?i)(password|secret|token)\s*=", dockerfile)
    assert "postgresql://" not in dockerfile
    users = re.findall(r"(?m)^USER\s+(\S+)", dockerfile)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r"(?m)^ENV .*GEOCRM_HOST=0\.0\.0\.0", dockerfile)
