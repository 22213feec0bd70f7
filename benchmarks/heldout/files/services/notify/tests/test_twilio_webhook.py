import os

from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from app.main import app

AUTH_TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
EXPECTED_SIGNATURE = "eCuK3mlhXgQcLz2099jnT6jthvA="


def test_signature_is_checked(monkeypatch):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])
    assert validator.validate(URL, {"CallSid": "CA1"}, EXPECTED_SIGNATURE) is False
    client = TestClient(app)
    response = client.post("/twilio/status", data={"CallSid": "CA1"})
    assert response.status_code == 403
