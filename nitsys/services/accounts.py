"""Accounts: registration, authentication, password reset, invitations, profile, roles."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from nitsys import passwords
from nitsys.domain import prefectures
from nitsys.domain.errors import RuleViolation
from nitsys.extensions import db
from nitsys.models import Organization, OrganizationType, Role, User
from nitsys.models.accounts import new_session_nonce
from nitsys.models.base import utcnow
from nitsys.services import audit, outbox, pauses

RESET_MAX_AGE = 60 * 60  # one hour
INVITATION_MAX_AGE = 7 * 24 * 60 * 60  # seven days
MIN_PASSWORD_LENGTH = 8
# Compared against when the email is unknown, so both paths take as long.
_DUMMY_HASH = passwords.hash_password("not-a-real-password", method=passwords.ARGON2ID)


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def validate_password(password: str, *, email: str = "") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RuleViolation(
            f"パスワードは{MIN_PASSWORD_LENGTH}文字以上にしてください。", field="password"
        )
    if password.isdigit():
        raise RuleViolation("数字だけのパスワードは使えません。", field="password")
    if email and password.lower() == email.lower():
        raise RuleViolation("メールアドレスと同じパスワードは使えません。", field="password")


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


class EmailTaken(RuleViolation):
    """The address belongs to an account. Registration does not say so (`mail_existing_owner`)."""


def _ensure_email_free(email: str, *, except_user: User | None = None) -> str:
    email = normalise_email(email)
    existing = find_user_by_email(email)
    if existing is not None and existing is not except_user:
        raise EmailTaken("このメールアドレスは既に登録されています。", field="email")
    return email


def mail_existing_owner(email: str) -> None:
    """Someone tried to register an existing address: tell its owner how to sign in (at most
    one mail an hour), instead of telling the person at the form that the address exists."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    outbox.enqueue(
        user.email,
        "registration_existing",
        subject="ご登録済みのメールアドレスです",
        dedupe_key=f"registration-existing:{user.id}:{utcnow():%Y%m%d%H}",
        user=user,
        login_link=_external_url("auth.login"),
        reset_link=_external_url("auth.request_password_reset"),
    )
    audit.record(None, "user.register_existing_email", user)


@dataclass
class PersonDetails:
    email: str
    password: str
    full_name: str
    full_name_kana: str
    phone: str


@dataclass
class OrganizationDetails:
    name: str
    name_kana: str
    short_name: str
    org_type: OrganizationType
    representative_name: str
    representative_email: str
    representative_phone: str
    postal_code: str = ""
    address: str = ""
    jaaf_code: str = ""
    prefecture: str | None = None  # JIS code


def _new_user(person: PersonDetails, **extra) -> User:
    # The password first: an existing address must get the same answer as a new one.
    validate_password(person.password, email=normalise_email(person.email))
    email = _ensure_email_free(person.email)
    user = User(
        email=email,
        full_name=person.full_name.strip(),
        full_name_kana=person.full_name_kana.strip(),
        phone=person.phone.strip(),
        **extra,
    )
    user.set_password(person.password)
    db.session.add(user)
    return user


def _prefecture(code: str | None) -> str | None:
    if not code:
        return None
    if code not in prefectures.PREFECTURES:
        raise RuleViolation("都道府県を一覧から選んでください。", field="prefecture")
    return code


def register_team(person: PersonDetails, organization: OrganizationDetails) -> User:
    """Create the organization and its first member (SPEC §1)."""
    pauses.ensure_open("registration")
    name = organization.name.strip()
    taken = db.session.scalar(
        select(Organization.id).where(func.lower(Organization.name) == name.lower())
    )
    if taken is not None:
        raise RuleViolation(
            "この団体は既に登録されています。団体のメンバーに招待メールの送信を依頼してください。",
            field="name",
        )
    org = Organization(
        name=name,
        name_kana=organization.name_kana.strip(),
        short_name=organization.short_name.strip(),
        org_type=organization.org_type,
        representative_name=organization.representative_name.strip(),
        representative_email=normalise_email(organization.representative_email),
        representative_phone=organization.representative_phone.strip(),
        postal_code=organization.postal_code.strip(),
        prefecture=_prefecture(organization.prefecture),
        address=organization.address.strip(),
        jaaf_code=organization.jaaf_code.strip(),
    )
    db.session.add(org)
    user = _new_user(person, organization=org)
    db.session.flush()
    audit.record(user, "organization.register", org, after={"name": org.name})
    audit.record(user, "user.register", user, after={"email": user.email, "team": org.name})
    return user


def register_individual(person: PersonDetails, affiliation_name: str = "") -> User:
    pauses.ensure_open("registration")
    user = _new_user(person, affiliation_name=affiliation_name.strip())
    db.session.flush()
    audit.record(user, "user.register", user, after={"email": user.email, "individual": True})
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (same work either way)."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        passwords.verify_password(_DUMMY_HASH, password)
        return None
    if not user.check_password(password):
        return None
    if passwords.needs_rehash(user.password_hash):
        # Same password, stronger or current hash; the session nonce stays (no sign-out).
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = utcnow()
    return user


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _external_url(endpoint: str, **values) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def request_password_reset(email: str) -> None:
    """Mail a one-hour reset link if the account exists; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    # The nonce changes with the password, so a used link stops working.
    token = _serializer("password-reset").dumps({"id": user.id, "nonce": user.session_nonce})
    outbox.enqueue(
        user.email,
        "password_reset",
        subject="パスワード再設定のご案内",
        user=user,
        link=_external_url("auth.reset_password", token=token),
    )
    audit.record(user, "user.password_reset_requested", user)


def reset_password(token: str, new_password: str) -> User:
    try:
        data = _serializer("password-reset").loads(token, max_age=RESET_MAX_AGE)
    except SignatureExpired as error:
        raise RuleViolation(
            "再設定リンクの有効期限（1時間）が切れています。もう一度お申し込みください。"
        ) from error
    except BadSignature as error:
        raise RuleViolation("再設定リンクが正しくありません。") from error
    user = db.session.get(User, data.get("id"))
    if user is None or user.session_nonce != data.get("nonce") or not user.is_active:
        raise RuleViolation("この再設定リンクは既に使われています。もう一度お申し込みください。")
    validate_password(new_password, email=user.email)
    user.set_password(new_password)
    audit.record(user, "user.password_reset", user)
    return user


def invite_member(by: User, email: str) -> None:
    """Mail a signed, expiring link that lets a colleague join `by`'s organization."""
    if by.organization is None:
        raise RuleViolation("個人参加のアカウントからは招待できません。")
    _invite(by, by.organization, email)


def invite_to_team(by: User, organization: Organization, email: str) -> None:
    """Staff invite (or invite again) someone to a team on its behalf (the same link)."""
    _require_staff(by)
    if not organization.is_active:
        raise RuleViolation("無効になっている団体には招待できません。")
    _invite(by, organization, email)


def _invite(by: User, organization: Organization, email: str) -> None:
    email = _ensure_email_free(email)
    if "@" not in email or len(email) > 254:
        raise RuleViolation("メールアドレスが正しくありません。", field="email")
    token = _serializer("invitation").dumps({"org": organization.id, "email": email, "by": by.id})
    outbox.enqueue(
        email,
        "invitation",
        subject=f"{organization.name} への招待",
        inviter=by,
        organization=organization,
        link=_external_url("auth.accept_invitation", token=token),
    )
    audit.record(by, "organization.invite", organization, after={"email": email})


def read_invitation(token: str) -> tuple[Organization, str]:
    try:
        data = _serializer("invitation").loads(token, max_age=INVITATION_MAX_AGE)
    except SignatureExpired as error:
        raise RuleViolation(
            "招待リンクの有効期限（7日）が切れています。招待した方に再送を依頼してください。"
        ) from error
    except BadSignature as error:
        raise RuleViolation("招待リンクが正しくありません。") from error
    organization = db.session.get(Organization, data.get("org"))
    if organization is None or not organization.is_active:
        raise RuleViolation("招待元の団体が見つかりません。")
    return organization, data["email"]


def accept_invitation(token: str, person: PersonDetails) -> User:
    pauses.ensure_open("registration")
    organization, email = read_invitation(token)
    person.email = email
    user = _new_user(person, organization=organization)
    db.session.flush()
    audit.record(user, "organization.join", organization, after={"email": user.email})
    return user


def update_profile(user: User, *, full_name: str, full_name_kana: str, phone: str, email: str):
    before = audit.snapshot(user, "full_name", "full_name_kana", "phone", "email")
    user.email = _ensure_email_free(email, except_user=user)
    user.full_name = full_name.strip()
    user.full_name_kana = full_name_kana.strip()
    user.phone = phone.strip()
    after = audit.snapshot(user, "full_name", "full_name_kana", "phone", "email")
    if after != before:
        audit.record(user, "user.profile_update", user, before=before, after=after)


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not user.check_password(current_password):
        raise RuleViolation("現在のパスワードが正しくありません。", field="current_password")
    validate_password(new_password, email=user.email)
    user.set_password(new_password)
    audit.record(user, "user.password_change", user)


def end_sessions(user: User) -> None:
    """Every session of `user` ends, copies of its cookie included (logout)."""
    user.session_nonce = new_session_nonce()


def _require_staff(by: User) -> None:
    if not by.is_staff:
        raise RuleViolation("この操作ができるのは管理者だけです。")


def _ensure_not_last_staff(user: User, message: str) -> None:
    """Refuse to take away the last active staff account (locked, so two staff at once
    cannot each remove the other)."""
    if user.role is not Role.STAFF or not user.is_active:
        return
    staff_ids = db.session.scalars(
        select(User.id).where(User.role == Role.STAFF, User.is_active).with_for_update()
    ).all()
    if len(staff_ids) <= 1:
        raise RuleViolation(message)


def change_role(by: User, user: User, role: Role, *, reason: str = "") -> None:
    """Staff give or take the official/staff role; the last staff account cannot step down."""
    if not by.is_staff:
        raise RuleViolation("権限を変更できるのは管理者だけです。")
    if user.role is role:
        return
    _ensure_not_last_staff(
        user, "最後の管理者の権限は外せません。先に別の管理者を指定してください。"
    )
    before = {"role": user.role.value}
    user.role = role
    end_sessions(user)  # old sessions carry the old role
    after = {"role": role.value, **({"reason": reason.strip()} if reason.strip() else {})}
    audit.record(by, "user.role_change", user, before=before, after=after)
    _tell(user, "権限が変更されました", f"権限が「{role.label}」に変更されました。", reason)


def end_all_sessions(user: User, *, by: User) -> None:
    """Sign `user` out of every browser and device (their session ids carry the nonce)."""
    _require_staff(by)
    end_sessions(user)
    audit.record(by, "user.sessions_ended", user)
    _tell(
        user,
        "すべての端末からログアウトしました",
        "安全のため、事務局があなたのアカウントをすべての端末からログアウトさせました。"
        "もう一度ログインしてください。",
        "",
    )


def set_active(by: User, user: User, active: bool, *, reason: str = "") -> None:
    """Staff deactivate (sign out, refuse logins) or reactivate an account."""
    _require_staff(by)
    if user.is_active is active:
        return
    if not active:
        _ensure_not_last_staff(
            user, "最後の管理者は無効にできません。先に別の管理者を指定してください。"
        )
        if user.id == by.id:
            raise RuleViolation("自分自身のアカウントは無効にできません。")
        end_sessions(user)
    user.is_active = active
    after = {"is_active": active, **({"reason": reason.strip()} if reason.strip() else {})}
    audit.record(
        by, "user.reactivate" if active else "user.deactivate", user,
        before={"is_active": not active}, after=after,
    )  # fmt: skip
    if active:
        _tell(
            user,
            "アカウントが再開されました",
            "アカウントが再び利用できるようになりました。",
            reason,
        )
    else:
        _tell(user, "アカウントが停止されました", "アカウントが停止され、ログインできなくなりました。", reason)  # fmt: skip


def send_reset_link(user: User, *, by: User) -> None:
    """Staff mail a person the ordinary one-hour password-reset link."""
    _require_staff(by)
    if not user.is_active:
        raise RuleViolation(
            "停止中のアカウントには再設定リンクを送れません。先に再開してください。"
        )
    request_password_reset(user.email)
    audit.record(by, "user.reset_link_sent", user)


def _tell(user: User, subject: str, what: str, reason: str) -> None:
    outbox.enqueue(
        user.email, "account_changed", subject=subject, user=user, what=what, reason=reason.strip()
    )


def create_staff(email: str, password: str, full_name: str = "管理者") -> User:
    """The first staff account (`flask create-staff`); promotes an existing account."""
    user = find_user_by_email(email)
    if user is None:
        user = _new_user(
            PersonDetails(
                email=email, password=password, full_name=full_name, full_name_kana="", phone=""
            )
        )
    user.role = Role.STAFF
    db.session.flush()
    audit.record(None, "user.create_staff", user, after={"email": user.email})
    return user
