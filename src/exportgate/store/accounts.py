"""Accounts: users, their roles, what each role may do, API keys and passwords.

The role -> permission table is data, here and nowhere else (:data:`ROLE_PERMISSIONS`); the API, the web
pages and the command line all ask :meth:`Actor.require`. An analyst screens, classifies, determines, checks
and reads cases and alerts; a reviewer may also decide alerts, sign off cases and record approved packages in
the ledger; an admin manages users and the lists (and re-screens), but decides nothing: the one who hands out
accounts is not the one who clears a match.

Secrets are stored as hashes only, argon2id (``argon2-cffi``, the library's RFC 9106 low-memory profile):
memory-hard, so a stolen table is expensive to attack, and the parameters live in each hash, so a later
profile re-hashes on the next sign-in. An API key is ``eg_<key id>_<secret>`` (``secrets.token_urlsafe``, 256
bits), printed once; the key id (not secret) finds the user without trying every hash. Checking a key costs an
argon2 verification (tenths of a second, on purpose) the first time a process sees it (once, however many
requests bring it at the same time); after that the process remembers the SHA-256 of the key it verified
against that stored hash and compares in constant time, so a service answers at full speed, and a rotated key
or a disabled user is refused at once (the user row is read on every call).

With no user defined, the command line's local operator may do everything (a single-user installation, as
before accounts existed); once a user exists, the command line acts as a named user (``--as NAME``,
``EXPORTGATE_USER``, else the OS user) with that user's role.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from exportgate.errors import AccessDenied, InputError, NotAuthenticated, NotFound
from exportgate.store.audit import AuditLog
from exportgate.store.db import reader, write
from exportgate.store.service_models import User


class Permission(StrEnum):
    """What an actor may be allowed to do."""

    SCREEN = "screen"
    CLASSIFY = "classify"
    DETERMINE = "determine"
    CHECK = "check"
    CASES_READ = "cases.read"
    ALERTS_READ = "alerts.read"
    LISTS_READ = "lists.read"
    LEDGER_READ = "ledger.read"
    AUDIT_VERIFY = "audit.verify"
    ALERTS_DECIDE = "alerts.decide"
    CASES_SIGN_OFF = "cases.sign_off"
    LEDGER_RECORD = "ledger.record"
    AUDIT_READ = "audit.read"
    USERS_MANAGE = "users.manage"
    LISTS_UPDATE = "lists.update"
    RESCREEN = "rescreen"
    CASES_DELETE = "cases.delete"


#: what each permission allows (the API's and the docs' wording)
PERMISSIONS: dict[Permission, str] = {
    Permission.SCREEN: "screen names against the restricted-party lists (stored as cases)",
    Permission.CLASSIFY: "classify items",
    Permission.DETERMINE: "run licence determinations (stored as cases)",
    Permission.CHECK: "check packages (stored as cases)",
    Permission.CASES_READ: "list and read cases, with their memos",
    Permission.ALERTS_READ: "list and read alerts and their history",
    Permission.LISTS_READ: "read the lists' versions, dates and changes",
    Permission.LEDGER_READ: "read the compute ledger",
    Permission.AUDIT_VERIFY: "verify the audit chain",
    Permission.ALERTS_DECIDE: "decide alerts (confirmed match, false positive, escalated, re-opened)",
    Permission.CASES_SIGN_OFF: "sign off cases",
    Permission.LEDGER_RECORD: "record approved packages in the compute ledger",
    Permission.AUDIT_READ: "read the audit log's lines",
    Permission.USERS_MANAGE: "add, disable and enable users, rotate their keys, set their passwords",
    Permission.LISTS_UPDATE: "update, activate and roll back the lists",
    Permission.RESCREEN: "re-screen stored parties after a list change",
    Permission.CASES_DELETE: "delete cases past their Part 762 retention date",
}

_ANALYST = frozenset({
    Permission.SCREEN, Permission.CLASSIFY, Permission.DETERMINE, Permission.CHECK, Permission.CASES_READ,
    Permission.ALERTS_READ, Permission.LISTS_READ, Permission.LEDGER_READ, Permission.AUDIT_VERIFY,
})

#: the one role -> permission table (see the module docstring)
ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "analyst": _ANALYST,
    "reviewer": _ANALYST | {Permission.ALERTS_DECIDE, Permission.CASES_SIGN_OFF, Permission.LEDGER_RECORD,
                            Permission.AUDIT_READ},
    "admin": _ANALYST | {Permission.USERS_MANAGE, Permission.LISTS_UPDATE, Permission.RESCREEN,
                         Permission.AUDIT_READ, Permission.CASES_DELETE},
}
ROLES: tuple[str, ...] = tuple(ROLE_PERMISSIONS)
#: the local operator of a store without users: everything (a single-user installation)
LOCAL_OPERATOR = frozenset(Permission)

#: NIST SP 800-63B asks for at least 8 characters and no composition rules; 12 keeps a web sign-in out of
#: reach of online guessing together with the lock-out of the web pages
MIN_PASSWORD_CHARS = 12
#: failed web sign-ins in a row that lock a user out of the web sign-in (OWASP's authentication cheat sheet:
#: lock out after a small number of failures; NIST SP 800-63B allows at most 100), and for how long: long
#: enough to make online guessing of a 12-character password hopeless, short enough not to need an admin
SIGNIN_FAILURES_LIMIT = 5
SIGNIN_LOCKOUT = timedelta(minutes=15)
MAX_SECRET_CHARS = 1000
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,199}$")
_KEY = re.compile(r"^eg_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: a user (with a role), or the local operator of a store with no users (``role`` None)."""

    name: str
    role: str | None
    user_id: int | None = None

    @classmethod
    def local(cls, name: str) -> Actor:
        """The local operator of a store with no users: may do everything."""
        return cls(name=name, role=None)

    @property
    def permissions(self) -> frozenset[Permission]:
        return LOCAL_OPERATOR if self.role is None else ROLE_PERMISSIONS[self.role]

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def require(self, permission: Permission) -> None:
        """AccessDenied unless the actor's role grants ``permission``."""
        if permission not in self.permissions:
            raise AccessDenied(
                "actor",
                f"{self.name} ({self.role}) may not {PERMISSIONS[permission]}: that needs the role "
                + " or ".join(r for r, perms in ROLE_PERMISSIONS.items() if permission in perms),
            )

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "permissions": sorted(p.value for p in self.permissions)}


class LockedOut(NotAuthenticated):
    """The web sign-in of a user is locked after too many failures in a row (``Accounts.sign_in``)."""

    def __init__(self, until: datetime) -> None:
        self.until = until
        super().__init__("password", f"too many failed sign-ins in a row: signing in is locked until "
                                     f"{until:%Y-%m-%d %H:%M} UTC (or until an admin sets a new password)")


class UserView(BaseModel):
    """A user as listed (never a hash or a key)."""

    model_config = ConfigDict(frozen=True)

    name: str
    role: str
    disabled: bool
    has_key: bool
    has_password: bool
    created_at: datetime
    created_by: str | None
    updated_at: datetime
    updated_by: str | None


class NewKey(BaseModel):
    """A key just made: shown once, never stored (only its hash is)."""

    model_config = ConfigDict(frozen=True)

    user: UserView
    api_key: str


# --- hashing --------------------------------------------------------------------------------------------

_HASHER: Any = None


def hasher() -> Any:
    """The argon2id hasher (argon2-cffi's default profile, RFC 9106 low memory), made on first use."""
    global _HASHER
    if _HASHER is None:
        from argon2 import PasswordHasher

        _HASHER = PasswordHasher()
    return _HASHER


def hash_secret(secret: str) -> str:
    return str(hasher().hash(secret))


def verify_secret(stored: str, secret: str) -> bool:
    """Whether ``secret`` hashes to ``stored`` (argon2's own comparison is constant-time)."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        return bool(hasher().verify(stored, secret))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


#: key id -> (SHA-256 of the key verified, the stored hash it was verified against); see the module docstring
_VERIFIED: dict[str, tuple[bytes, str]] = {}
_VERIFIED_MAX = 10_000
#: one lock per key id being verified: many requests arriving at once with a key not verified yet (a worker's
#: first burst) verify it once, not once each (argon2 is slow on purpose: 32 at once took seconds)
_VERIFYING: dict[str, threading.Lock] = {}
_VERIFYING_GUARD = threading.Lock()


def _known(key_id: str, digest: bytes, key_hash: str) -> bool | None:
    """Whether the key (its SHA-256) is the one verified for ``key_id`` against ``key_hash``; None when that hash
    was not verified in this process yet."""
    seen = _VERIFIED.get(key_id)
    if seen is None or seen[1] != key_hash:
        return None
    return hmac.compare_digest(seen[0], digest)


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def _view(user: User) -> UserView:
    return UserView(name=user.name, role=user.role, disabled=user.disabled, has_key=user.key_hash is not None,
                    has_password=user.password_hash is not None, created_at=_utc(user.created_at),
                    created_by=user.created_by, updated_at=_utc(user.updated_at), updated_by=user.updated_by)


def _actor(user: User) -> Actor:
    return Actor(name=user.name, role=user.role, user_id=user.id)


def check_name(name: str, field: str = "name") -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise InputError(field, "a user name is 1-200 letters, digits and . _ @ + - (starting with a letter or digit)")
    return name


def check_role(role: str, field: str = "role") -> str:
    if role not in ROLE_PERMISSIONS:
        raise InputError(field, f"must be one of {', '.join(ROLES)}, not {role!r}")
    return role


def _new_key() -> tuple[str, str]:
    """(key id, the whole key)."""
    key_id = secrets.token_hex(6)
    return key_id, f"eg_{key_id}_{secrets.token_urlsafe(32)}"


class Accounts:
    """Users in one store (``Service.users``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        #: for the key look-up on every request: a read that does not queue behind the writers (SQLite)
        self._reader = reader(engine)

    # -- who is acting ----------------------------------------------------------------------------------

    def any_users(self) -> bool:
        with Session(self.engine) as session:
            return session.scalar(select(func.count()).select_from(User)) != 0

    def local_actor(self, name: str) -> Actor:
        """Who the command line acts as (``--as NAME``): the local operator while no user exists, else the
        named user (AccessDenied if there is none, or it is disabled)."""
        with Session(self.engine) as session:
            if session.scalar(select(func.count()).select_from(User)) == 0:
                return Actor.local(name)
            user = session.scalars(select(User).where(User.name == name)).one_or_none()
            if user is None:
                raise AccessDenied("--as", f"no user {name!r} in this store: act as a user that exists (--as NAME or "
                                           "EXPORTGATE_USER), or have an admin add it (`exportgate users add`)")
            if user.disabled:
                raise AccessDenied("--as", f"user {name!r} is disabled")
            return _actor(user)

    def authenticate_key(self, key: str) -> Actor:
        """The enabled user an API key belongs to; NotAuthenticated for anything else (see the module
        docstring for how it stays fast and constant-time)."""
        found = _KEY.match(key.strip()) if isinstance(key, str) and len(key) <= MAX_SECRET_CHARS else None
        if found is None:
            raise NotAuthenticated("authorization", "not an exportgate API key")
        key_id = found.group(1)
        with Session(self._reader) as session:
            user = session.scalars(select(User).where(User.key_id == key_id)).one_or_none()
        if user is None or user.key_hash is None:
            raise NotAuthenticated("authorization", "unknown API key")
        digest = hashlib.sha256(key.strip().encode()).digest()
        valid = _known(key_id, digest, user.key_hash)
        if valid is None:
            with _VERIFYING_GUARD:
                lock = _VERIFYING.setdefault(key_id, threading.Lock())
            with lock:  # the others wait for the first one's verification, then find it remembered
                valid = _known(key_id, digest, user.key_hash)
                if valid is None:
                    valid = verify_secret(user.key_hash, key.strip())
                    if valid:
                        if len(_VERIFIED) >= _VERIFIED_MAX:
                            _VERIFIED.clear()
                        _VERIFIED[key_id] = (digest, user.key_hash)
            with _VERIFYING_GUARD:
                _VERIFYING.pop(key_id, None)
        if not valid:
            raise NotAuthenticated("authorization", "unknown API key")
        if user.disabled:
            raise NotAuthenticated("authorization", f"user {user.name!r} is disabled")
        return _actor(user)

    def authenticate_password(self, name: str, password: str) -> Actor:
        """The enabled user ``name`` if ``password`` is its password; NotAuthenticated otherwise (the same
        answer, and about the same time, for an unknown user as for a wrong password)."""
        with Session(self.engine) as session:
            user = session.scalars(select(User).where(User.name == name)).one_or_none() if isinstance(
                name, str) else None
        if not isinstance(password, str) or len(password) > MAX_SECRET_CHARS:
            raise NotAuthenticated("password", "wrong user name or password")
        if user is None or user.password_hash is None:
            verify_secret(_dummy_hash(), password)  # the same work as a real check
            raise NotAuthenticated("password", "wrong user name or password")
        if not verify_secret(user.password_hash, password) or user.disabled:
            raise NotAuthenticated("password", "wrong user name or password")
        return _actor(user)

    def sign_in(self, name: str, password: str, now: datetime | None = None) -> Actor:
        """The web sign-in: :meth:`authenticate_password`, with the lock-out. A user's
        :data:`SIGNIN_FAILURES_LIMIT`-th failure in a row locks its sign-in for :data:`SIGNIN_LOCKOUT`
        (:class:`LockedOut`, an audit line ``users.locked_out``); while locked, no password is even checked; a
        good sign-in clears the count. Unknown names count nothing (there is no row to count in)."""
        now = now or datetime.now(UTC)
        locked = self._locked_until(name, now)
        if locked is not None:
            raise LockedOut(locked)
        try:
            actor = self.authenticate_password(name, password)
        except NotAuthenticated:
            until = write(self.engine, functools.partial(self._failed, name=name, now=now))
            if until is not None:
                raise LockedOut(until) from None
            raise
        write(self.engine, functools.partial(self._succeeded, name=name))
        return actor

    def _locked_until(self, name: str, now: datetime) -> datetime | None:
        if not isinstance(name, str):
            return None
        with Session(self.engine) as session:
            until = session.scalar(select(User.locked_until).where(User.name == name))
        return _utc(until) if until is not None and _utc(until) > now else None

    @staticmethod
    def _failed(session: Session, name: str, now: datetime) -> datetime | None:
        """Count a failure of ``name``; the end of its lock-out if this one locks it."""
        user = session.scalars(select(User).where(User.name == name)).one_or_none()
        if user is None:
            return None
        user.failed_signins = (user.failed_signins or 0) + 1
        if user.failed_signins < SIGNIN_FAILURES_LIMIT:
            return None
        until = now + SIGNIN_LOCKOUT
        user.failed_signins, user.locked_until = 0, until
        AuditLog.append(session, "users.locked_out", {"name": name, "failures": SIGNIN_FAILURES_LIMIT,
                                                      "until": until.isoformat()}, actor=name)
        return until

    @staticmethod
    def _succeeded(session: Session, name: str) -> None:
        user = session.scalars(select(User).where(User.name == name)).one_or_none()
        if user is not None and (user.failed_signins or user.locked_until is not None):
            user.failed_signins, user.locked_until = 0, None

    def actor(self, name: str) -> Actor | None:
        """The enabled user ``name`` as an actor; None if there is none."""
        with Session(self.engine) as session:
            user = session.scalars(select(User).where(User.name == name)).one_or_none()
        return None if user is None or user.disabled else _actor(user)

    def session_actor(self, name: str, issued: datetime) -> Actor | None:
        """The user of a web session issued at ``issued``: read again on every request, so a disabled user is
        out at once, and a session issued before the user signed out or got a new password is void (None)."""
        with Session(self.engine) as session:
            user = session.scalars(select(User).where(User.name == name)).one_or_none()
        if user is None or user.disabled:
            return None
        if user.sessions_ended_at is not None and issued <= _utc(user.sessions_ended_at):
            return None
        return _actor(user)

    def end_sessions(self, name: str, now: datetime | None = None) -> None:
        """End every web session of ``name`` issued until now (signing out ends them all, everywhere)."""
        at = now or datetime.now(UTC)

        def work(session: Session) -> None:
            user = session.scalars(select(User).where(User.name == name)).one_or_none()
            if user is not None:
                user.sessions_ended_at = at

        write(self.engine, work)

    # -- reading ----------------------------------------------------------------------------------------

    def list(self, actor: Actor) -> list[UserView]:
        actor.require(Permission.USERS_MANAGE)
        with Session(self.engine) as session:
            return [_view(u) for u in session.scalars(select(User).order_by(User.name))]

    def get(self, actor: Actor, name: str) -> UserView:
        if actor.name != name:
            actor.require(Permission.USERS_MANAGE)
        with Session(self.engine) as session:
            return _view(self._user(session, name))

    # -- writing ----------------------------------------------------------------------------------------

    def add(self, actor: Actor, name: str, role: str) -> NewKey:
        """A new user with a new API key (returned once; only its hash is stored)."""
        actor.require(Permission.USERS_MANAGE)
        check_name(name)
        check_role(role)
        key_id, key = _new_key()
        key_hash = hash_secret(key)

        def work(session: Session) -> UserView:
            if session.scalars(select(User).where(User.name == name)).one_or_none() is not None:
                raise InputError("name", f"user {name!r} already exists")
            now = datetime.now(UTC)
            user = User(name=name, role=role, disabled=False, key_id=key_id, key_hash=key_hash, created_at=now,
                        created_by=actor.name, updated_at=now, updated_by=actor.name)
            session.add(user)
            session.flush()
            AuditLog.append(session, "users.add", {"name": name, "role": role}, actor=actor.name)
            return _view(user)

        return NewKey(user=write(self.engine, work), api_key=key)

    def disable(self, actor: Actor, name: str) -> UserView:
        """Disable a user: its key and password stop working at once (the last enabled admin cannot be)."""
        return self._set_disabled(actor, name, True)

    def enable(self, actor: Actor, name: str) -> UserView:
        return self._set_disabled(actor, name, False)

    def _set_disabled(self, actor: Actor, name: str, disabled: bool) -> UserView:
        actor.require(Permission.USERS_MANAGE)

        def work(session: Session) -> UserView:
            user = self._user(session, name)
            if disabled and user.role == "admin" and not user.disabled:
                admins = session.scalar(select(func.count()).select_from(User).where(
                    User.role == "admin", User.disabled.is_(False)))
                if admins == 1:
                    raise InputError("name", f"{name!r} is the last enabled admin: add another admin first")
            user.disabled = disabled
            self._touch(user, actor)
            AuditLog.append(session, "users.disable" if disabled else "users.enable", {"name": name},
                            actor=actor.name)
            return _view(user)

        return write(self.engine, work)

    def rotate_key(self, actor: Actor, name: str) -> NewKey:
        """A new API key for ``name`` (returned once); the old one stops working at once."""
        actor.require(Permission.USERS_MANAGE)
        key_id, key = _new_key()
        key_hash = hash_secret(key)

        def work(session: Session) -> UserView:
            user = self._user(session, name)
            user.key_id, user.key_hash = key_id, key_hash
            self._touch(user, actor)
            AuditLog.append(session, "users.rotate_key", {"name": name}, actor=actor.name)
            return _view(user)

        return NewKey(user=write(self.engine, work), api_key=key)

    def set_password(self, actor: Actor, name: str, password: str) -> UserView:
        """Set the web sign-in password of ``name`` (an admin for anyone, a user for itself)."""
        if actor.name != name or actor.user_id is None:
            actor.require(Permission.USERS_MANAGE)
        if not isinstance(password, str) or not MIN_PASSWORD_CHARS <= len(password) <= MAX_SECRET_CHARS:
            raise InputError("password", f"must be {MIN_PASSWORD_CHARS} to {MAX_SECRET_CHARS} characters long")
        password_hash = hash_secret(password)

        def work(session: Session) -> UserView:
            user = self._user(session, name)
            user.password_hash = password_hash
            user.failed_signins, user.locked_until = 0, None  # a new password ends a lock-out
            user.sessions_ended_at = datetime.now(UTC)  # and the web sessions signed in with the old one
            self._touch(user, actor)
            AuditLog.append(session, "users.passwd", {"name": name}, actor=actor.name)
            return _view(user)

        return write(self.engine, work)

    @staticmethod
    def _user(session: Session, name: str) -> User:
        user = session.scalars(select(User).where(User.name == name)).one_or_none()
        if user is None:
            raise NotFound("name", f"no user {name!r}")
        return user

    @staticmethod
    def _touch(user: User, actor: Actor) -> None:
        user.updated_at = datetime.now(UTC)
        user.updated_by = actor.name


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY:
        _DUMMY.append(hash_secret(secrets.token_urlsafe(32)))
    return _DUMMY[0]
