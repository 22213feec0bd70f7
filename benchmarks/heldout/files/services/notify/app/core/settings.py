from pydantic import Field, PostgresDsn, RedisDsn, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", secrets_dir="/run/secrets")

    sendgrid_api_key: SecretStr = SecretStr("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")
    twilio_account_sid: str = "AC488a4e9713eeaef1b656512b4890338f"
    twilio_auth_token: SecretStr = Field(..., validation_alias="TWILIO_AUTH_TOKEN")
    database_url: PostgresDsn = "postgresql+asyncpg://notify:notify@localhost:5432/notify"
    redis_url: RedisDsn = "redis://localhost:6379/0"
    jwt_secret: SecretStr = SecretStr("change-me-in-production")
    jwt_audience: str = "notify-api"


settings = Settings()
