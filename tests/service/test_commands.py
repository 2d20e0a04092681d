"""``planner users …``: the first administrator is made on the command line."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from planner.service.accounts import service as accounts
from planner.service.commands import users
from planner.service.config import Settings
from planner.service.db import Database


def test_users_add_list_passwd_disable(tmp_path: Path) -> None:
    runner = CliRunner()
    folder = str(tmp_path / "data")
    result = runner.invoke(
        users,
        ["add", "wang", "--name", "学生处 王老师", "--role", "sao_admin", "--data-dir", folder],
        input="secret-pass\nsecret-pass\n",
    )
    assert result.exit_code == 0, result.output
    bad = runner.invoke(
        users,
        [
            "add",
            "c9",
            "--name",
            "x",
            "--role",
            "college",
            "--password",
            "longenough",
            "--data-dir",
            folder,
        ],
    )
    assert bad.exit_code == 2 and "college" in bad.output
    listed = runner.invoke(users, ["list", "--data-dir", folder])
    assert "wang" in listed.output and "sao_admin" in listed.output
    assert (
        runner.invoke(
            users, ["passwd", "wang", "--password", "another-pass", "--data-dir", folder]
        ).exit_code
        == 0
    )
    assert runner.invoke(users, ["disable", "wang", "--data-dir", folder]).exit_code == 0
    assert (
        runner.invoke(
            users, ["passwd", "nobody", "--password", "x" * 9, "--data-dir", folder]
        ).exit_code
        == 2
    )
    settings = Settings.from_env(folder)
    db = Database(settings.database_url)
    with db.session() as session:
        assert accounts.authenticate(session, "wang", "another-pass") is None  # disabled
        user = accounts.get_user(session, "wang")
        assert user is not None and not user.active
        assert user.password_hash.startswith("$argon2id$")
    assert runner.invoke(users, ["enable", "wang", "--data-dir", folder]).exit_code == 0
    with db.session() as session:
        assert accounts.authenticate(session, "wang", "another-pass") is not None
    db.dispose()
