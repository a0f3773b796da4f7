"""GeoCRM's own PostgreSQL/PostGIS cluster, owned like an embedded database.

With no ``DATABASE_URL``, GeoCRM keeps a cluster in ``GEOCRM_HOME/pgdata``: ``initdb`` on
first use, a free TCP port on 127.0.0.1 chosen once and kept in ``postgresql.conf``, no
unix socket (so no path-length or permission trouble), and password authentication
(``scram-sha-256``) for every connection: the superuser ``geocrm`` (the owner, used by the
CLI and migrations) and the app's login role ``geocrm_web`` have random passwords kept in
``GEOCRM_HOME/*.secret`` (mode 0600), so another local OS user cannot read the CRM.
PostgreSQL refuses to run as root, so when GeoCRM runs as root the server runs as an
unprivileged system user (``GEOCRM_PG_OS_USER``, default ``postgres``, created if missing)
that owns the data directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from geocrm.errors import SetupError
from geocrm.settings import DatabaseSettings

SUPERUSER = "geocrm"
_HBA = """# --- written by geocrm.db.embedded: passwords (scram-sha-256) for every connection ---
host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128 scram-sha-256
"""
_INSTALL_HINT = "apt-get install -y postgresql-15 postgresql-15-postgis-3"

# Tuned for a 2-core / 24 GiB machine doing bulk loads and analytics; safe defaults
# otherwise (fsync stays on: a crash must leave the database consistent).
_SERVER_CONF = """
# --- written by geocrm.db.embedded ---
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = ''
shared_buffers = '512MB'
work_mem = '64MB'
maintenance_work_mem = '512MB'
max_wal_size = '4GB'
checkpoint_timeout = '30min'
wal_compression = on
synchronous_commit = off
max_connections = 100
logging_collector = off
"""


@dataclass(frozen=True)
class ClusterStatus:
    """What ``geocrm db status`` reports about the embedded cluster."""

    data_dir: Path
    initialised: bool
    running: bool
    port: int | None
    url: str | None


def _bin_dir(settings: DatabaseSettings) -> Path:
    """Find the PostgreSQL server binaries (initdb, pg_ctl) and check PostGIS is installed."""
    candidates: list[Path] = []
    if settings.pg_bin_dir:
        candidates.append(settings.pg_bin_dir)
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if out.returncode == 0:
            candidates.append(Path(out.stdout.strip()))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for cand in candidates:
        if (cand / "initdb").exists() and (cand / "pg_ctl").exists():
            _check_postgis(cand)
            return cand
    raise SetupError(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found. Install them with "
        f"`{_INSTALL_HINT}` (or run `make install`), set GEOCRM_PG_BIN_DIR to their "
        "directory, or set DATABASE_URL to use an existing PostGIS server."
    )


def _check_postgis(bin_dir: Path) -> None:
    version = bin_dir.parent.name  # /usr/lib/postgresql/15/bin -> "15"
    control = list(Path("/usr/share/postgresql").glob(f"{version}/extension/postgis.control"))
    if not control:
        raise SetupError(
            f"PostGIS is not installed for PostgreSQL {version}. Install it with "
            f"`apt-get install -y postgresql-{version}-postgis-3` (or run `make install`)."
        )


def _server_user(settings: DatabaseSettings) -> pwd.struct_passwd | None:
    """The OS user that runs the server: None means 'this process's own user'."""
    if os.geteuid() != 0:
        return None
    name = settings.pg_os_user
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
            check=True,
        )
        return pwd.getpwnam(name)


def _check_reachable(path: Path, user: pwd.struct_passwd) -> None:
    """Every parent of the data directory must be enterable by the server's OS user."""
    blocked = _unreachable_parent(path, user)
    if blocked is not None:
        raise SetupError(
            f"The embedded PostgreSQL runs as user '{user.pw_name}' (it refuses to run "
            f"as root), and that user cannot enter {blocked}. Set GEOCRM_HOME to a "
            "directory it can reach, e.g. GEOCRM_HOME=/var/lib/geocrm."
        )


def _unreachable_parent(path: Path, user: pwd.struct_passwd) -> Path | None:
    """The first directory above ``path`` that ``user`` cannot enter, if any."""
    for parent in [path, *path.parents]:
        if not parent.exists():
            continue
        st = parent.stat()
        if st.st_uid != user.pw_uid and not st.st_mode & 0o001:
            return parent
    return None


def _home_for(settings: DatabaseSettings) -> Path:
    """The cluster's home: ``GEOCRM_HOME``, or for a checkout the server user cannot reach
    (say under /root) while we are root, a per-checkout folder in /var/lib/geocrm."""
    home = settings.home.resolve()
    if "home" in settings.model_fields_set or os.geteuid() != 0:
        return home
    try:
        user = pwd.getpwnam(settings.pg_os_user)
    except KeyError:
        return home
    if _unreachable_parent(home, user) is None:
        return home
    digest = hashlib.sha1(str(home).encode()).hexdigest()[:12]
    return Path("/var/lib/geocrm/clusters") / digest


def _secret(path: Path, *, create: bool) -> str | None:
    """The password kept in ``path`` (mode 0600); a new random one if missing and ``create``."""
    if path.is_file():
        return path.read_text().strip()
    if not create:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value


def app_login(db_name: str) -> str:
    """The web app's login role for database ``db_name``: a member of geocrm_app
    (spatial_sql/access.sql) that owns nothing. Roles belong to the whole cluster, so each
    database has its own (``geocrm`` -> ``geocrm_web``; the tests' databases theirs)."""
    return f"{db_name}_web"[:63]


def app_secret(settings: DatabaseSettings, role: str, *, create: bool) -> str | None:
    """The password of the app's login role ``role``, kept 0600 in GEOCRM_HOME."""
    return _secret(_home_for(settings) / f"{role}.secret", create=create)


def _run(cmd: list[str], user: pwd.struct_passwd | None, **kw) -> subprocess.CompletedProcess:
    """Run a server command, as the server's OS user when we are root."""
    if user is not None:
        kw.update(user=user.pw_uid, group=user.pw_gid, extra_groups=[])
        kw.setdefault("cwd", "/")
        env = dict(os.environ, HOME="/", USER=user.pw_name, LOGNAME=user.pw_name)
        kw.setdefault("env", env)
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


class EmbeddedCluster:
    """The embedded cluster under ``settings.home``; every method is idempotent."""

    def __init__(self, settings: DatabaseSettings):
        self.settings = settings
        self.home = _home_for(settings)
        self.data_dir = self.home / "pgdata"
        self.state_file = self.home / "cluster.json"
        self.log_file = self.data_dir / "server.log"

    # -- state -----------------------------------------------------------------------
    @property
    def port(self) -> int | None:
        if not self.state_file.exists():
            return None
        return int(json.loads(self.state_file.read_text())["port"])

    def url(self, db_name: str | None = None) -> str:
        """The connection URL of a database in this cluster (it need not be running)."""
        if self.port is None:
            raise SetupError("The embedded cluster is not initialised: run `geocrm db start`.")
        password = _secret(self.home / "superuser.secret", create=False)
        auth = f"{SUPERUSER}:{password}" if password else SUPERUSER
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{db_name or self.settings.db_name}"

    def is_running(self) -> bool:
        if not (self.data_dir / "PG_VERSION").exists():
            return False
        bin_dir = _bin_dir(self.settings)
        res = _run(
            [str(bin_dir / "pg_ctl"), "status", "-D", str(self.data_dir)],
            _server_user(self.settings),
        )
        return res.returncode == 0

    def status(self) -> ClusterStatus:
        initialised = (self.data_dir / "PG_VERSION").exists()
        running = initialised and self.is_running()
        return ClusterStatus(
            data_dir=self.data_dir,
            initialised=initialised,
            running=running,
            port=self.port,
            url=self.url() if initialised and self.port else None,
        )

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> ClusterStatus:
        """Initialise (first time), start (if stopped) and create the database (if missing)."""
        bin_dir = _bin_dir(self.settings)
        user = _server_user(self.settings)
        self.home.mkdir(parents=True, exist_ok=True)
        if user is not None:
            _check_reachable(self.home, user)
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb(bin_dir, user)
        if not self.is_running():
            port = self.port or _free_port()
            if _port_in_use(port):  # someone else took our port while we were stopped
                port = _free_port()
            self._write_port(port)
            res = _run(
                [
                    str(bin_dir / "pg_ctl"),
                    "start",
                    "-w",
                    "-t",
                    "60",
                    "-D",
                    str(self.data_dir),
                    "-l",
                    str(self.log_file),
                ],
                user,
            )
            if res.returncode != 0:
                tail = self.log_file.read_text()[-2000:] if self.log_file.exists() else ""
                raise SetupError(
                    f"The embedded PostgreSQL did not start:\n{res.stderr.strip()}\n{tail}"
                )
        self._wait_ready()
        self._require_passwords(bin_dir, user)
        self.create_database(self.settings.db_name)
        return self.status()

    def stop(self) -> ClusterStatus:
        """Stop the server if it runs (fast shutdown: sessions are ended, data kept)."""
        if self.is_running():
            bin_dir = _bin_dir(self.settings)
            res = _run(
                [str(bin_dir / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(self.data_dir)],
                _server_user(self.settings),
            )
            if res.returncode != 0:
                raise SetupError(f"Could not stop the embedded PostgreSQL: {res.stderr.strip()}")
        return self.status()

    def create_database(self, name: str, *, drop_first: bool = False) -> str:
        """Create database ``name`` (with PostGIS) if missing; return its URL."""
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            if drop_first:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        with psycopg.connect(self.url(name), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        return self.url(name)

    # -- internals -------------------------------------------------------------------
    def _initdb(self, bin_dir: Path, user: pwd.struct_passwd | None) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if user is not None:
            os.chown(self.data_dir, user.pw_uid, user.pw_gid)
        self.data_dir.chmod(0o700)
        res = _run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
            user,
        )
        if res.returncode != 0:
            raise SetupError(f"initdb failed:\n{res.stderr.strip()}")
        self._write_port(_free_port())

    def _require_passwords(self, bin_dir: Path, user: pwd.struct_passwd | None) -> None:
        """Give the superuser its password and make the server ask for it (clusters made
        before passwords trusted every local connection: they are moved over here)."""
        hba = self.data_dir / "pg_hba.conf"
        if hba.read_text() == _HBA:
            return
        password = _secret(self.home / "superuser.secret", create=True)
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    sql.Identifier(SUPERUSER), sql.Literal(password)
                )
            )
        hba.write_text(_HBA)
        res = _run([str(bin_dir / "pg_ctl"), "reload", "-D", str(self.data_dir)], user)
        if res.returncode != 0:
            raise SetupError(f"Could not reload the embedded PostgreSQL: {res.stderr.strip()}")
        self._wait_ready()

    def _write_port(self, port: int) -> None:
        text = _SERVER_CONF.format(port=port)
        main_conf = self.data_dir / "postgresql.conf"
        body = main_conf.read_text()
        marker = "# --- written by geocrm.db.embedded ---"
        body = body.split(marker)[0].rstrip("\n") + "\n" + text.lstrip("\n")
        main_conf.write_text(body)
        self.state_file.write_text(json.dumps({"port": port}))

    def _wait_ready(self, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with psycopg.connect(self.url("postgres"), connect_timeout=3):
                    return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise SetupError(f"The embedded PostgreSQL does not answer: {exc}") from exc
                time.sleep(0.3)
