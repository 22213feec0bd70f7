import os

os.environ.setdefault("DJANGO_SECRET_KEY", "insecure-test-key")
os.environ.setdefault("STRIPE_LIVE_SECRET", "sk_live_dummy")
os.environ.setdefault("SHOP_PG_PASSWORD", os.environ.get("CI_PG_PASSWORD", ""))
