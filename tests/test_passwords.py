"""Password hashes: Argon2id for new ones; older Werkzeug hashes upgraded at the next login."""

import pytest
from argon2 import PasswordHasher

from nitsys import passwords
from nitsys.extensions import db
from tests import factories


@pytest.fixture
def argon2_site(app):
    """The production setting (the suite's default is a cheap pbkdf2 for speed)."""
    app.config["PASSWORD_HASH_METHOD"] = passwords.ARGON2ID
    return app


def _log_in(client, email: str, password: str):
    return client.post("/auth/login", data={"email": email, "password": password})


def test_a_new_password_is_stored_as_argon2id(argon2_site):
    user = factories.make_user()
    user.set_password("新しいパスワード-2026")
    assert user.password_hash.startswith("$argon2id$v=19$m=12288,t=3,p=1$")
    assert user.check_password("新しいパスワード-2026")
    assert not user.check_password("新しいパスワード-2025")


OLD_HASHERS = {
    "scrypt": lambda password: passwords.hash_password(password, method="scrypt"),
    "argon2id-19MiB": PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1).hash,
}


@pytest.mark.parametrize("old_kind", OLD_HASHERS)
def test_an_older_hash_still_logs_in_and_is_upgraded_without_signing_out(
    argon2_site, client, old_kind
):
    user = factories.make_user(email="coach@example.jp")
    user.password_hash = OLD_HASHERS[old_kind](factories.PASSWORD)
    nonce = user.session_nonce
    db.session.commit()

    assert _log_in(client, "coach@example.jp", factories.PASSWORD).status_code == 302
    db.session.refresh(user)
    assert user.password_hash.startswith("$argon2id$v=19$m=12288,t=3,p=1$")
    assert user.session_nonce == nonce
    assert client.get("/my/").status_code == 200

    client.post("/auth/logout")
    assert _log_in(client, "coach@example.jp", factories.PASSWORD).status_code == 302


def test_a_wrong_password_leaves_the_old_hash_alone(argon2_site, client):
    user = factories.make_user(email="coach@example.jp")
    old_hash = passwords.hash_password(factories.PASSWORD, method="scrypt")
    user.password_hash = old_hash
    db.session.commit()

    answer = _log_in(client, "coach@example.jp", "違うパスワード")
    assert answer.status_code == 422
    assert "メールアドレスまたはパスワードが正しくありません" in answer.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash == old_hash


def test_a_damaged_argon2_hash_refuses_the_login_instead_of_failing(argon2_site):
    user = factories.make_user()
    user.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$broken"
    assert not user.check_password(factories.PASSWORD)
