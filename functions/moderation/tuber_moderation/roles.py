"""PUT /admin/users/{userId}/role: admins give and take the moderator and admin roles (the
first admin comes from the command line: tuber_common.moderation)."""
from __future__ import annotations

from pymongo.database import Database

from tuber_common import moderation
from tuber_common.clock import utcnow
from tuber_common.errors import Conflict, NotFound
from tuber_common.ids import try_parse_id, user_oid
from tuber_common.users import public_user

from . import audit


def set_role(db: Database, admin_id: str, user_id: str, role: str) -> dict:
    moderation.require_role(db, admin_id, moderation.ADMIN)
    actor = user_oid(admin_id)
    oid = try_parse_id(user_id)
    if oid == actor:
        # No admin demotes themself by mistake (and so the last admin stays).
        raise Conflict("you cannot change your own role", code="own_role")
    before = moderation.set_role(db, oid, role) if oid else None
    if before is None:
        raise NotFound("user not found", code="user_not_found")
    if (before.get("role") or moderation.USER) != role:
        audit.record(db, actor=actor, action="role", target_type="user", target_id=str(oid),
                     note=role, at=utcnow())
    return {"user": public_user({**before, "_id": oid}) | {"role": role}}
