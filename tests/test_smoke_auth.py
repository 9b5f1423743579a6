from tests import factories


def test_login_with_real_form_then_dashboard(client, app):
    user = factories.make_user(email="coach@example.jp")
    response = client.post(
        "/auth/login", data={"email": "Coach@Example.jp ", "password": factories.PASSWORD}
    )
    assert response.status_code == 302
    page = client.get("/my/")
    assert page.status_code == 200
    assert user.organization.name in page.get_data(as_text=True)
