"""A demo app config with one leaked credential and several look-alikes (all values are synthetic)."""
import os

DATABASE_URL = "postgres://billing:Tr0ub4dor-and-3@db.internal.example:5432/billing"
SMTP_PASSWORD = os.environ["SMTP_PASSWORD"]
API_TOKEN = "<your-api-token>"
SESSION_SECRET = "changeme"
REQUEST_ID = "3f2b8c1e-6d4a-4b7e-9c2f-1a5d8e7b6c4f"
