"""The one loader of an object a request names: what each kind of object answers outside
the reader's municipalities."""

from __future__ import annotations

import pytest
from flask_login import login_user
from werkzeug.exceptions import NotFound

from vftops.core.scope import get_scoped_or_404, in_scope, optional_scoped_or_404, scoped_or_none


@pytest.fixture
def two_towns(app, factories):
    from vftops.extensions import db
    from vftops.suppliers.operations import create_supplier

    a = factories.municipality(name="Stjørdal", number="5035")
    b = factories.municipality(name="Meråker", number="5034")
    product = factories.product("safety_alarm", model="Lifeline Vi+")
    store_b = factories.store(b, name="Lager Meråker")
    device_b = factories.device(product, store_b, serial="MER-1")
    placement_b = factories.placement(device_b, factories.recipient(b, name="Berit"))
    with app.app_context():
        supplier = create_supplier(None, name="Tunstall AS")
        db.session.commit()
        supplier_id = supplier.id
    return {
        "reader": factories.user("technician", municipalities=[a]),
        "colleague": factories.user("technician", municipalities=[a, b]),
        "stranger": factories.user("technician", municipalities=[b]),
        "nobody's": factories.user("technician"),
        "product": product,
        "supplier_id": supplier_id,
        "store_b": store_b,
        "placement_b": placement_b,
    }


def _load(app, reader_id, model, object_id):
    """Load as the reader would in a request: the object, or None where the answer is 404."""
    from vftops.auth.models import User
    from vftops.extensions import db

    with app.test_request_context():
        login_user(db.session.get(User, reader_id))
        try:
            return get_scoped_or_404(model, object_id, db.session.get(User, reader_id))
        except NotFound:
            return None


def test_a_person_is_in_scope_when_they_share_a_municipality(app, two_towns):
    from vftops.auth.models import User

    reader = two_towns["reader"].id
    assert _load(app, reader, User, two_towns["colleague"].id) is not None
    assert _load(app, reader, User, two_towns["stranger"].id) is None
    assert _load(app, reader, User, two_towns["nobody's"].id) is None


def test_the_catalogue_is_shared_by_all_and_only_has_to_exist(app, two_towns):
    from vftops.equipment.models import Product
    from vftops.suppliers.models import Supplier

    reader = two_towns["reader"].id
    assert _load(app, reader, Product, two_towns["product"].id) is not None
    assert _load(app, reader, Supplier, two_towns["supplier_id"]) is not None
    assert _load(app, reader, Product, 999_999) is None
    assert _load(app, reader, Supplier, "not a number") is None


def test_another_municipalitys_store_and_placement_are_not_found(app, two_towns):
    from vftops.equipment.models import Placement, Store

    reader, stranger = two_towns["reader"].id, two_towns["stranger"].id
    for model, key in ((Store, "store_b"), (Placement, "placement_b")):
        assert _load(app, reader, model, two_towns[key].id) is None, model
        assert _load(app, stranger, model, two_towns[key].id) is not None, model


def test_in_scope_and_an_optional_id_follow_the_same_rules(app, two_towns):
    from vftops.auth.models import User
    from vftops.equipment.models import Product
    from vftops.extensions import db

    with app.test_request_context():
        reader = db.session.get(User, two_towns["reader"].id)
        login_user(reader)
        assert in_scope(db.session.get(Product, two_towns["product"].id), reader)
        assert in_scope(db.session.get(User, two_towns["colleague"].id), reader)
        assert not in_scope(db.session.get(User, two_towns["stranger"].id), reader)
        assert optional_scoped_or_404(User, None, reader) is None
        assert optional_scoped_or_404(User, "", reader) is None
        with pytest.raises(NotFound):
            optional_scoped_or_404(User, two_towns["stranger"].id, reader)
        # A form that names its own error asks for None instead of a 404.
        assert scoped_or_none(User, two_towns["colleague"].id, reader) is not None
        assert scoped_or_none(User, two_towns["stranger"].id, reader) is None
        assert scoped_or_none(User, 10**30, reader) is None
