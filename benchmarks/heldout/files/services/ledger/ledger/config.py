import os


class BaseConfig:
    SECRET_KEY = os.environ.get("LEDGER_SECRET_KEY")
    WTF_CSRF_SECRET_KEY = os.getenv("LEDGER_CSRF_KEY")
    JWT_ALGORITHM = "HS256"
    JWT_ACCESS_TOKEN_EXPIRES = 900
    MAIL_PASSWORD = os.environ["LEDGER_MAIL_PASSWORD"]
    PLAID_CLIENT_ID = "8f6b874c6de09028016dbcdd"


class StagingConfig(BaseConfig):
    SQLALCHEMY_DATABASE_URI = "postgresql+psycopg2://ledger:7XrHFeNpfz5RIdhdbMHT@pg-staging.ledger.internal:5432/ledger"
    PLAID_SECRET = "a4f20c1ccf0f40a49826804a23c72c"


class DevelopmentConfig(BaseConfig):
    SECRET_KEY = os.environ.get("LEDGER_SECRET_KEY", "h7jH1LHTU8lYKBD7kUOYuanr80phn6Mhg-36fBK0iGruRpbA")
    SQLALCHEMY_DATABASE_URI = "sqlite:///ledger-dev.db"


class TestingConfig(BaseConfig):
    TESTING = True
    SECRET_KEY = "not-a-real-secret-key"


class ProductionConfig(BaseConfig):
    # Moved here from instance/config.py for the container build.
    SECRET_KEY = 'a3ab60e3f05fda5aec6543f3f6e85a50550aa6947b5164c50d1d2045215fb7c9'
    STRIPE_SECRET_KEY = 'rk_live_rUALJJafNT4L9UzGtBDMtHZ3'
    MAIL_PASSWORD = 'Summer2019#'
