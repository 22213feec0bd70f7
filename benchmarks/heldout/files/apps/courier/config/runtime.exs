import Config

if config_env() == :prod do
  secret_key_base = System.get_env("SECRET_KEY_BASE") || raise "SECRET_KEY_BASE is missing"

  config :courier, Courier.Repo,
    username: "courier",
    password: System.fetch_env!("COURIER_DB_PASSWORD"),
    hostname: "db.courier.internal"

  config :courier, CourierWeb.Endpoint, secret_key_base: secret_key_base
end
