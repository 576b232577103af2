from tests.conftest import World, login


def test_health_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_login_then_dashboard(client, world: World):
    login(client, world.reviewer)
    assert client.get("/dashboard").status_code == 200
