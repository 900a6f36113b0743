"""GET /healthz: load balancers and monitoring read it."""

from vftops import create_app


def test_healthz_answers_ok_when_database_answers(client):
    """Monitoring sees {"status": "ok"} while the database answers."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_answers_503_when_database_is_gone(tmp_path):
    """A database that cannot be reached makes the health check fail, not crash."""
    missing = tmp_path / "no-such-dir" / "db.sqlite"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{missing}")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable"}
