"""The benchmark's user and API token (`flask vftops bench`)."""

from __future__ import annotations

from sqlalchemy import select

from vftops.auth.models import User
from vftops.auth.operations import create_api_token, create_user
from vftops.core.modules import BenchPart
from vftops.extensions import db

USERNAME = "bench"
PASSWORD = "measure-the-pages-2026"  # noqa: S105 - throwaway benchmark user


def build(world: dict) -> dict:
    admin = create_user(
        None,
        username=USERNAME,
        full_name="Benchmark Runner",
        password=PASSWORD,
        roles=["admin"],
        municipality_ids=[world["municipality_id"]],
    )
    _token, token = create_api_token(None, admin, name="bench", days=1)
    db.session.commit()
    return {"user_id": admin.id, "token": token, "login": (USERNAME, PASSWORD)}


def find(world: dict) -> dict | None:
    user = db.session.scalar(select(User).where(User.username == USERNAME))
    if user is None:
        return None
    _token, token = create_api_token(None, user, name="bench", days=1)
    db.session.commit()
    return {"user_id": user.id, "token": token, "login": (USERNAME, PASSWORD)}


PART = BenchPart(build=build, find=find)
