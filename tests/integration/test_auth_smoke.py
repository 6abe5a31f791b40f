def test_register_login_me(auth_api, make_user):
    session = make_user("alice")
    me = auth_api.get("/auth/me", token=session["accessToken"])
    assert me.status == 200, me.body
    assert me.json["user"]["username"] == "alice"
