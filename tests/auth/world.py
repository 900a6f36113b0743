"""Users' part of the permission matrix's world: a technician with an API token."""


def build(key, m, w, made) -> None:
    from vftops.auth.operations import create_api_token, create_user

    target = create_user(
        None,
        username=f"target-{key}",
        full_name=f"Target {key}",
        password="correct horse battery staple",
        roles=["technician"],
        municipality_ids=[m.id],
    )
    token, _plain = create_api_token(None, target, name="matrix", days=30)
    made["user"] = target
    w.user, w.token = target.id, token.id
