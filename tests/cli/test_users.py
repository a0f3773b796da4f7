"""``geocrm users``, ``geocrm tokens`` and ``geocrm audit``: an administrator at the machine
that owns the database manages who signs in, and reads who did what."""

from __future__ import annotations

import getpass
import io
import json
import stat

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from geocrm.api.app import create_app
from geocrm.auth import audit
from geocrm.auth.credentials import token_principal
from geocrm.auth.demo_users import DOMAIN
from geocrm.auth.users import add_user, authenticate, disable_user, set_role
from geocrm.cli import main
from geocrm.db import make_engine
from geocrm.errors import Conflict, Unauthorized
from geocrm.pipeline import migrate

CLI_ACTOR = f"cli:{getpass.getuser()}"


@pytest.fixture(scope="module")
def rep_ids(engine, demo) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT rep_id FROM crm.reps ORDER BY rep_id")).scalars())


def _stdin(monkeypatch, value: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(value))


def _password_of(out: str) -> str:
    lines = [line for line in out.splitlines() if line.startswith("password")]
    assert len(lines) == 1, out
    return lines[0].rsplit(" ", 1)[1]


def test_add_list_set_role_disable_and_reset_a_user(engine, use_database, rep_ids, capsys):
    email = "Cli.Rep@Test.example"
    assert main(["users", "add", email, "--role", "rep", "--rep", str(rep_ids[0])]) == 0
    out = capsys.readouterr().out
    assert "cli.rep@test.example added" in out
    password = _password_of(out)
    principal = authenticate(engine, email, password)
    assert (principal.role, principal.reps) == ("rep", (rep_ids[0],))

    assert main(["users", "list"]) == 0
    table = capsys.readouterr().out
    row = next(line for line in table.splitlines() if "cli.rep@test.example" in line)
    assert row.split()[2:5] == ["rep", str(rep_ids[0]), "active"]
    assert main(["users", "list", "--json"]) == 0
    listed = {u["email"]: u for u in json.loads(capsys.readouterr().out)}
    assert listed["cli.rep@test.example"]["reps"] == [rep_ids[0]]

    reps = f"{rep_ids[0]},{rep_ids[1]}"
    assert main(["users", "set-role", email, "--role", "manager", "--reps", reps]) == 0
    capsys.readouterr()
    principal = authenticate(engine, email, password)
    assert (principal.role, principal.reps) == ("manager", (rep_ids[0], rep_ids[1]))

    assert main(["users", "reset-password", email]) == 0
    new_password = _password_of(capsys.readouterr().out)
    assert new_password != password
    with pytest.raises(Unauthorized):
        authenticate(engine, email, password)
    authenticate(engine, email, new_password)

    assert main(["users", "disable", email]) == 0
    assert "disabled" in capsys.readouterr().out
    with pytest.raises(Unauthorized):
        authenticate(engine, email, new_password)
    assert main(["users", "list", "--json"]) == 0
    listed = {u["email"]: u for u in json.loads(capsys.readouterr().out)}
    assert listed["cli.rep@test.example"]["disabled_at"] is not None

    # every change is in the audit log, under the command line's actor, with no password
    assert main(["audit", "--actor", CLI_ACTOR, "--limit", "50", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    mine = [e for e in entries if e["target"] == "cli.rep@test.example"]
    assert [e["action"] for e in reversed(mine)] == [
        "user.add",
        "user.set_role",
        "user.reset_password",
        "user.disable",
    ]
    assert mine[-1]["detail"] == {"role": "rep", "reps": [rep_ids[0]]}
    assert password not in json.dumps(entries) and new_password not in json.dumps(entries)


def test_a_password_from_standard_input(engine, use_database, monkeypatch, capsys):
    _stdin(monkeypatch, "a long enough secret\n")
    assert (
        main(["users", "add", "stdin@test.example", "--role", "analyst", "--password-stdin"]) == 0
    )
    out = capsys.readouterr().out
    assert "password" not in out.replace("stdin@", "")  # nothing generated, nothing shown
    assert authenticate(engine, "stdin@test.example", "a long enough secret").role == "analyst"
    _stdin(monkeypatch, "another long secret\n")
    assert main(["users", "reset-password", "stdin@test.example", "--password-stdin"]) == 0
    assert "password (shown once" not in capsys.readouterr().out
    authenticate(engine, "stdin@test.example", "another long secret")
    _stdin(monkeypatch, "short\n")
    assert (
        main(["users", "add", "short@test.example", "--role", "analyst", "--password-stdin"]) == 2
    )
    assert "at least 10 characters" in capsys.readouterr().err


def test_bad_users_are_clear_errors_and_exit_codes(use_database, rep_ids, capsys):
    assert main(["users", "add", "twice@test.example", "--role", "marketer"]) == 0
    capsys.readouterr()
    cases = [
        (["users", "add", "twice@test.example", "--role", "marketer"], 4, "exists already"),
        (["users", "add", "r@test.example", "--role", "rep"], 2, "exactly one crm.reps id"),
        (["users", "add", "m@test.example", "--role", "manager"], 2, "--reps"),
        (["users", "add", "r@test.example", "--role", "rep", "--rep", "99999"], 3, "No rep"),
        (["users", "add", "a@test.example", "--role", "analyst", "--reps", "1"], 2, "Only rep"),
        (["users", "add", "m@test.example", "--role", "manager", "--rep", "1"], 2, "--reps"),
        (["users", "add", "not-an-email", "--role", "analyst"], 2, "e-mail"),
        (["users", "disable", "nobody@test.example"], 3, "No user"),
        (["users", "set-role", "nobody@test.example", "--role", "analyst"], 3, "No user"),
        (["users", "reset-password", "nobody@test.example"], 3, "No user"),
        (["tokens", "create", "nobody@test.example"], 3, "No user"),
        (["tokens", "create", "twice@test.example", "--days", "0"], 2, "positive"),
        (["tokens", "revoke", "999999"], 3, "No token"),
        (["audit", "--since", "yesterday"], 2, "ISO 8601"),
        (["audit", "--limit", "100000"], 2, "limit"),
    ]
    for argv, code, message in cases:
        assert main(argv) == code, argv
        err = capsys.readouterr().err
        assert err.startswith("geocrm: error: ") and message in err, (argv, err)
    with pytest.raises(SystemExit) as exc:
        main(["users", "add", "x@test.example", "--role", "superuser"])
    assert exc.value.code == 2
    capsys.readouterr()


def test_tokens_create_prints_only_the_token_and_revoke_ends_it(engine, use_database, capsys):
    add_user(engine, "tokens@test.example", "analyst", password="correct horse battery")
    assert main(["tokens", "create", "tokens@test.example", "--name", "ci", "--days", "30"]) == 0
    captured = capsys.readouterr()
    assert captured.out.count("\n") == 1 and captured.out.endswith("\n")
    token = captured.out.strip()
    assert token.startswith("gcrm_") and " " not in token
    assert "shown once" in captured.err
    assert token_principal(engine, token).email == "tokens@test.example"

    assert main(["tokens", "list", "tokens@test.example"]) == 0
    table = capsys.readouterr().out
    assert token not in table
    row = next(line for line in table.splitlines() if "tokens@test.example" in line)
    token_id = row.split()[0]
    assert row.split()[2:4] == ["ci", "active"]
    assert main(["tokens", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert any(t["token_id"] == int(token_id) for t in listed)
    assert all("token_hash" not in t for t in listed)

    assert main(["tokens", "revoke", token_id]) == 0
    assert f"token {token_id} revoked" in capsys.readouterr().out
    with pytest.raises(Unauthorized):
        token_principal(engine, token)
    assert main(["tokens", "list", "tokens@test.example"]) == 0
    assert " revoked " in capsys.readouterr().out

    # a disabled user's other token stops at once too
    other = _create_token(capsys, "tokens@test.example")
    assert token_principal(engine, other).email == "tokens@test.example"
    disable_user(engine, "tokens@test.example")
    with pytest.raises(Unauthorized):
        token_principal(engine, other)
    assert main(["tokens", "create", "tokens@test.example"]) == 2
    assert "disabled" in capsys.readouterr().err


def _create_token(capsys, email: str) -> str:
    assert main(["tokens", "create", email]) == 0
    return capsys.readouterr().out.strip()


def test_audit_filters_and_table(engine, use_database, capsys):
    add_user(engine, "audited@test.example", "analyst", password="correct horse battery")
    assert main(["audit", "--action", "user.add", "--limit", "5"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["id", "at", "actor", "action", "target", "detail"]
    assert 2 <= len(table) <= 6 and all(" user.add " in line for line in table[1:])
    assert "audited@test.example" in table[1]  # newest first
    assert main(["audit", "--since", "2999-01-01", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["audit", "--since", "2000-01-01T00:00:00Z", "--action", "user.add"]) == 0
    assert "audited@test.example" in capsys.readouterr().out
    assert main(["audit", "--action", "no.such.action"]) == 0
    assert capsys.readouterr().out.strip() == "no audit entries match"
    with engine.begin() as conn, pytest.raises(Exception, match="append-only"):
        conn.execute(text("DELETE FROM auth.audit_log"))


def test_the_last_enabled_admin_can_be_neither_disabled_nor_demoted(make_database):
    engine = make_engine(make_database("geocrm_test_last_admin"))
    try:
        migrate(engine)
        add_user(engine, "only@test.example", "admin", password="correct horse battery")
        with pytest.raises(Conflict, match="last enabled administrator"):
            disable_user(engine, "only@test.example")
        with pytest.raises(Conflict, match="last enabled administrator"):
            set_role(engine, "only@test.example", "analyst")
        add_user(engine, "second@test.example", "admin", password="correct horse battery")
        set_role(engine, "only@test.example", "analyst")
        with pytest.raises(Conflict):
            disable_user(engine, "second@test.example")
        assert [e["action"] for e in audit.entries(engine, action="user.set_role")] == [
            "user.set_role"
        ]
    finally:
        engine.dispose()


def test_demo_users_one_per_role_passwords_kept_0600_and_never_rotated(
    engine, app_engine, use_database, demo, tmp_path, capsys
):
    path = tmp_path / "home" / "demo-users.txt"
    assert main(["users", "demo", "--file", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"demo users' passwords: {path}" in out and out.count("created") == 5
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = path.read_text()
    lines = [line.split() for line in first.splitlines() if not line.startswith("#")]
    assert [role for role, _, _ in lines] == ["admin", "manager", "rep", "marketer", "analyst"]

    path.chmod(0o644)  # whatever happened to it meanwhile
    assert main(["users", "demo", "--file", str(path)]) == 0
    again = capsys.readouterr().out
    assert "created" not in again and again.count("exists (password unchanged)") == 5
    assert path.read_text() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    app = TestClient(create_app(app_engine))
    for role, email, password in lines:
        assert email.endswith("@" + DOMAIN)
        res = app.post("/api/auth/login", json={"email": email, "password": password})
        assert res.status_code == 200, res.text
        assert res.json()["user"]["role"] == role
    rep = next(email for role, email, _ in lines if role == "rep")
    manager = next(email for role, email, _ in lines if role == "manager")
    users = {u["email"]: u for u in _users_json(capsys)}
    assert len(users[manager]["reps"]) == 2 and users[rep]["reps"][0] in users[manager]["reps"]
    with engine.connect() as conn:
        own = conn.execute(
            text("SELECT count(*) FROM crm.customers WHERE assigned_rep_id = :r"),
            {"r": users[rep]["reps"][0]},
        ).scalar_one()
    assert own > 0
    # signed in as the demo rep, the app shows exactly their accounts
    app.post("/api/auth/login", json={"email": rep, "password": lines[2][2]})
    page = app.get("/api/customers", params={"limit": 1000}).json()
    assert page["numberMatched"] == own


def _users_json(capsys) -> list[dict]:
    assert main(["users", "list", "--json"]) == 0
    return json.loads(capsys.readouterr().out)
