"""Re-keying after a new encryption key is put first: every stored value encrypted with it, and
every look-up hash made from it, so that phone numbers are found again.

The look-up hash of a phone number is derived from the first key, so a new first key leaves
every stored hash unfindable until it is recomputed. Hashes of numbers we hold encrypted are
recomputed from the number. Two tables hold hashes only: what a number has told us (a STOP
must outlast a new key) and the sign-in throttles; their hashes are moved by matching them
against every number we hold (and every staff e-mail) under the older keys. One transaction:
either every row is under the new key, or none has changed.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Text, bindparam, select, type_coerce, update
from sqlalchemy.orm import Session

from diary import crypto
from diary.models import (
    Caregiver,
    InboundMessage,
    OutboundMessage,
    Participant,
    PhoneState,
    SignInThrottle,
    Site,
    StaffUser,
)
from diary.services import audit

BATCH = 500


@dataclass(frozen=True)
class SealedTable:
    """A table's encrypted columns, and its look-up hash column with the column it hashes."""

    model: type
    columns: tuple[str, ...]
    hash_column: str | None = None
    hash_of: str | None = None
    unique: bool = False  # one row per number: the number signs in


SEALED = (
    SealedTable(Participant, ("phone",), "phone_hash", "phone", unique=True),
    SealedTable(Caregiver, ("name", "phone"), "phone_hash", "phone", unique=True),
    SealedTable(OutboundMessage, ("to_phone",), "to_hash", "to_phone"),
    SealedTable(InboundMessage, ("from_phone", "body"), "from_hash", "from_phone"),
    SealedTable(Site, ("on_call_phone",)),
)


class Refused(RuntimeError):
    """Re-keying would lose what a row records; nothing has been changed."""


@dataclass
class Rekeyed:
    """What changed, per table: values encrypted again, hashes recomputed, hashed rows moved to
    the new hash, and rows merged into one already under it."""

    encrypted: dict[str, int] = field(default_factory=dict)
    rehashed: dict[str, int] = field(default_factory=dict)
    moved: dict[str, int] = field(default_factory=dict)
    merged: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return sum(sum(part.values()) for part in (self.encrypted, self.rehashed, self.moved,
                                                    self.merged, self.dropped))


def rekey(session: Session, now: datetime, force: bool = False) -> Rekeyed:
    """Bring every encrypted value and every look-up hash under the first configured key.

    Refuses (``Refused``) when a number's STOP or invalid-number record matches no number we
    hold under any configured key (an older key written otherwise than when it was first: a
    space, a newline), unless forced, and when two people would sign in with one number.
    Lockouts of numbers nobody enrolled, and of devices, cannot be matched: they are dropped,
    not left under the old key. Running it again changes nothing. The caller commits (or rolls
    back, for a check).
    """
    done = Rekeyed()
    phones: dict[str, str] = {}  # every earlier hash of a number we hold -> its new hash
    for sealed in SEALED:
        _reseal(session, sealed, done, phones)
    for value in session.scalars(select(type_coerce(Site.on_call_phone, Text))
                                 .where(Site.on_call_phone.is_not(None))):
        _learn(phones, crypto.decrypt(value))
    unmatched = _move(session, PhoneState, PhoneState.phone_hash, phones, _merge_phone_state,
                      done)
    if unmatched and crypto.has_earlier_keys() and not force:
        raise Refused(f"{len(unmatched)} STOP or invalid-number records (phone_state) match no "
                      "number under the configured keys, so they would no longer be found. Is "
                      "every older key written exactly as it was when it was first (spaces, a "
                      "trailing newline)?")
    throttles: dict[str, str] = {}
    for kind, values in (("phone", _numbers(session)), ("email", session.scalars(
            select(StaffUser.email)))):
        for value in values:
            _learn(throttles, f"{kind}:{value}")
    unmatched = _move(session, SignInThrottle, SignInThrottle.key_hash, throttles,
                      _merge_throttle, done)
    if done.rehashed and unmatched:  # made under the old key: they start afresh
        for row in unmatched:
            session.delete(row)
        done.dropped[SignInThrottle.__tablename__] = len(unmatched)
        session.flush()
    if done.changed:
        audit.record(session, now, "keys.rekeyed", detail={
            "encrypted": done.encrypted, "rehashed": done.rehashed, "moved": done.moved,
            "merged": done.merged, "dropped": done.dropped})
    return done


def _reseal(session: Session, sealed: SealedTable, done: Rekeyed, phones: dict[str, str]) -> None:
    table = sealed.model.__table__
    raw = [type_coerce(table.c[name], Text).label(name) for name in sealed.columns]
    hashed = [table.c[sealed.hash_column]] if sealed.hash_column else []
    changes: dict[frozenset, list[dict]] = {}
    owners: dict[str, int] = {}  # new hash -> the row that has it, where a number is one's own
    for row in _batches(session, select(table.c.id, *raw, *hashed), table.c.id):
        values = {name: crypto.reencrypt(token) for name in sealed.columns
                  if (token := getattr(row, name)) is not None and not crypto.is_current(token)}
        if values:
            done.encrypted[table.name] = done.encrypted.get(table.name, 0) + len(values)
        if sealed.hash_column:
            plain = crypto.decrypt(getattr(row, sealed.hash_of))
            new = _learn(phones, plain)
            if sealed.unique and owners.setdefault(new, row.id) != row.id:
                raise Refused(f"{table.name} {owners[new]} and {row.id} have the same phone "
                              "number: change one of them (staff pages) and run again.")
            if getattr(row, sealed.hash_column) != new:
                values[sealed.hash_column] = new
                done.rehashed[table.name] = done.rehashed.get(table.name, 0) + 1
        if values:
            changes.setdefault(frozenset(values), []).append({"row_id": row.id, **values})
    for rows in changes.values():
        session.execute(update(table).where(table.c.id == bindparam("row_id")), rows)


def _batches(session: Session, statement, key) -> Iterator:
    """The statement's rows in order of `key`, a batch at a time (a table may be large)."""
    last = None
    while True:
        page = statement if last is None else statement.where(key > last)
        rows = session.execute(page.order_by(key).limit(BATCH)).all()
        yield from rows
        if len(rows) < BATCH:
            return
        last = rows[-1].id


def _learn(mapping: dict[str, str], value: str) -> str:
    """Note the value's earlier hashes as leading to its new one; returns the new one."""
    new = crypto.lookup_hash(value)
    mapping.update(dict.fromkeys(crypto.earlier_lookup_hashes(value), new))
    return new


def _numbers(session: Session) -> list[str]:
    return [crypto.decrypt(v) for model in (Participant, Caregiver)
            for v in session.scalars(select(type_coerce(model.phone, Text)))]


def _move(session: Session, model: type, column, mapping: dict[str, str],
          merge: Callable, done: Rekeyed) -> list:
    """Give rows under an earlier hash the new one, merging into a row that already has it;
    returns the rows under a hash of nothing we know."""
    name = model.__tablename__
    rows = {getattr(r, column.key): r for r in session.scalars(select(model))}
    known, unmatched = set(mapping.values()), []
    for old, row in list(rows.items()):
        new = mapping.get(old)
        if new is None and old not in known:
            unmatched.append(row)
        if new is None or new == old:
            continue
        if new in rows:
            merge(rows[new], row)
            session.delete(row)
            done.merged[name] = done.merged.get(name, 0) + 1
        else:
            setattr(row, column.key, new)
            rows[new] = row
            done.moved[name] = done.moved.get(name, 0) + 1
        session.flush()
    return unmatched


def _merge_phone_state(kept: PhoneState, old: PhoneState) -> None:
    """What either record knows: an opt-out or an invalid number stays, from its first time."""
    kept.opted_out_at = _earliest(kept.opted_out_at, old.opted_out_at)
    kept.invalid_at = _earliest(kept.invalid_at, old.invalid_at)
    kept.undelivered_in_row = max(kept.undelivered_in_row, old.undelivered_in_row)
    kept.updated_at = max(kept.updated_at, old.updated_at)


def _merge_throttle(kept: SignInThrottle, old: SignInThrottle) -> None:
    """The stricter of the two: more failures, the later unlock."""
    kept.failures = max(kept.failures, old.failures)
    kept.locked_until = max((t for t in (kept.locked_until, old.locked_until) if t),
                            default=None)


def _earliest(*instants):
    return min((t for t in instants if t is not None), default=None)


def pending(session: Session) -> bool:
    """Whether the stored look-up hashes are still those of an older key: a new key was put
    first and `flask diary rekey` has not run. Asked only with several keys configured (one
    key is always the one in use); the oldest enrolled number tells."""
    if not crypto.has_earlier_keys():
        return False
    for model in (Participant, Caregiver):
        row = session.execute(select(type_coerce(model.phone, Text), model.phone_hash)
                              .order_by(model.id).limit(1)).first()
        if row is not None:
            return crypto.lookup_hash(crypto.decrypt(row[0])) != row[1]
    return False
