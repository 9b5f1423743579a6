"""Password hashes.

New hashes are Argon2id with one of the equivalent settings of the OWASP Password Storage
Cheat Sheet (12 MiB, 3 passes, 1 lane): about 16 ms a login on the 2-core load-test box, where
Werkzeug's scrypt default took 95 ms and was the largest single cost of a deadline evening's
login burst (OWASP's 19 MiB × 2 passes took 21 ms for the same strength). Hashes written
earlier — Werkzeug scrypt or pbkdf2, or Argon2id with other settings — still verify and are
replaced at the user's next successful login (`needs_rehash`).

PASSWORD_HASH_METHOD picks the method for new hashes: "argon2id" (default) or a Werkzeug
method string; the test suite uses a cheap pbkdf2 so thousands of test users stay fast.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

ARGON2ID = "argon2id"
_argon2 = PasswordHasher(time_cost=3, memory_cost=12 * 1024, parallelism=1)


def configured_method() -> str:
    if has_app_context():
        return current_app.config["PASSWORD_HASH_METHOD"]
    return ARGON2ID


def hash_password(password: str, method: str | None = None) -> str:
    method = method or configured_method()
    if method == ARGON2ID:
        return _argon2.hash(password)
    return generate_password_hash(password, method=method)


def verify_password(stored_hash: str, password: str) -> bool:
    if stored_hash.startswith("$argon2"):
        try:
            return _argon2.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False
    return check_password_hash(stored_hash, password)


def needs_rehash(stored_hash: str) -> bool:
    """True when the stored hash is older than what the site now writes (Argon2id only)."""
    if configured_method() != ARGON2ID:
        return False
    if not stored_hash.startswith("$argon2id$"):
        return True
    return _argon2.check_needs_rehash(stored_hash)
