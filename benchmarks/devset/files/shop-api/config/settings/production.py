from .base import *  # noqa: F401,F403
import os

DEBUG = False
ALLOWED_HOSTS = ["shop.acme-retail.example"]
SECRET_KEY = "tprryiv!b9de!@ff3u!@7k3sy%pedno%j2+6_yo%en!530(uxe"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
        "PASSWORD": os.environ["SHOP_PG_PASSWORD"],
    }
}

EMAIL_HOST_PASSWORD = "<smtp password from 1Password>"
STRIPE_LIVE_SECRET = "sk_live_llTyBJefI0GUM7UCFEnQpP95lQOIybNzOk"
STRIPE_LIVE_PUBLISHABLE = "pk_live_xzHommbxvuz0OQydQnKpnYeB"
AWS_S3_ACCESS_KEY_ID = "ASIADPQVXIPDTW7D6H4D"
AWS_S3_SECRET_ACCESS_KEY = os.getenv("AWS_S3_SECRET_ACCESS_KEY")
SHOPIFY_WEBHOOK_SIGNING_SECRET = "e50e3fca0b342b81c23779382c491e3d2a15bab60b1f3aeb31f587e40d74fb0e"
ORDER_EXPORT_TENANT = "27ad3ead-7930-4fd9-a112-51adc1faa650"
