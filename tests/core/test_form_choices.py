"""A page form sent without choosing from one of its lists shows the form again.

The install form answered 404 when no recipient was chosen, and what the technician
had typed (configuration, notes) was lost. Every page form of the permission matrix
that takes an id from a choice list is sent with that choice left empty: a choice that
may be left empty (no supplier, let the rules pick the team) is saved; any other
answers 422 with the form, the field in error and the other fields as typed. None
answers 404 or 500.
"""

from __future__ import annotations

import io
import re

from tests.conftest import csrf_from, login
from tests.core.test_permission_matrix import ENDPOINTS, _fill, _world
from vftops.core.permissions import Role

TYPED = "Skrevet av teknikeren"


def _everyone(factories, world):
    from types import SimpleNamespace

    return factories.user(
        *[r.value for r in Role], municipalities=[SimpleNamespace(id=world["a"].municipality)]
    )


def _id_fields(endpoint) -> list[str]:
    """The body fields that carry an id from a choice list."""
    return [
        key
        for key, value in endpoint.fields.items()
        if isinstance(value, str) and value.startswith("{") and key.endswith("_id")
    ]


FREE_TEXT = ("note", "config_note", "training_note", "description", "reason", "name", "title")


def _choice_lists(client, path: str) -> set[str]:
    """The names of the <select> lists on the page a form is posted from."""
    page = client.get(path)
    if page.status_code != 200:
        return set()
    return set(re.findall(r'<select[^>]*name="([^"]+)"', page.get_data(as_text=True)))


def test_every_page_form_without_a_chosen_item_shows_the_field_in_error(app, client, factories):
    """Leaving a choice list empty is either allowed, or answers 422 with the form: the
    field in error marked, the text typed elsewhere kept."""
    world = _world(factories)
    login(client, _everyone(factories, world))
    ids = world["a"]
    tried, wrong = 0, []
    for endpoint in ENDPOINTS:
        if endpoint.is_api or endpoint.method != "POST":
            continue
        path = endpoint.path.format(**vars(ids))
        lists = _choice_lists(client, path) & set(_id_fields(endpoint))
        for key in sorted(lists):
            tried += 1
            body = {k: _fill(v, ids) for k, v in endpoint.fields.items()}
            body[key] = ""
            data = {
                k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else str(v)
                for k, v in body.items()
            }
            typed = next((k for k in FREE_TEXT if k in data), None)
            if typed is None:
                typed = "note"
            data[typed] = TYPED
            data["csrf_token"] = csrf_from(client.get("/account").get_data(as_text=True))
            response = client.post(path, data=data)
            html = response.get_data(as_text=True)
            if response.status_code in (200, 302):
                continue  # the empty choice is one the form offers
            # The list itself, or the field the empty choice makes necessary (a reason
            # when consumables go to nobody), is shown in error.
            in_error = "is-invalid" in html
            kept = TYPED in html or typed not in _fields_on(html)
            if response.status_code != 422 or not in_error or not kept:
                wrong.append(
                    f"{endpoint} [{key}] → {response.status_code}"
                    f"{'' if in_error else ', list not marked'}{'' if kept else ', text lost'}"
                )
    assert tried > 8, tried
    assert not wrong, "\n".join(wrong)


def _fields_on(html: str) -> set[str]:
    return set(re.findall(r'name="([^"]+)"', html))
