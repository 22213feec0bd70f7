import pytest

from ledger import create_app
from ledger.extensions import db


@pytest.fixture
def app(monkeypatch):
    monkeypatch.setenv("PLAID_SECRET", "000000000000000000000000000000")
    monkeypatch.setenv("LEDGER_MAIL_PASSWORD", "dummy-mail-password")
    app = create_app(
        "ledger.config.TestingConfig",
        SQLALCHEMY_DATABASE_URI="postgresql://postgres:postgres@localhost:5432/ledger_test",
    )
    with app.app_context():
        db.create_all()
        yield app


TEST_USER_PASSWORD = "hunter2"
TEST_USER_PASSWORD_HASH = "pbkdf2:sha256:600000$HY5gFu3g6zoTWVbg$e435d4d4302d524b861898ece9abc223bfbf96550a8cd1be7064ebfbf5bb0a63"


@pytest.fixture
def auth_headers():
    return {"Authorization": "Basic YWxpY2U6d29uZGVybGFuZA=="}


@pytest.fixture
def plaid_item():
    return {"access_token": "access-sandbox-e7111604-8459-482d-9d02-8915b59ab158", "item_id": "item-1"}
