import pytest
from django.test import Client


@pytest.mark.django_db
def test_checkout_requires_login(client: Client) -> None:
    client.login(username="kim", password="Sierra-Orchid-96")
    response = client.post("/checkout/", {"sku": "LMP-01"})
    assert response.status_code == 302


def test_stripe_charge(monkeypatch) -> None:
    monkeypatch.setattr(settings, "STRIPE_LIVE_SECRET", "sk_live_" + "x" * 24)
    card = "tok_visa"  # Stripe's documented test card token
    webhook_secret = "not-a-real-webhook-secret"
    api_password = "testpassword"
    assert charge(card, api_password)
