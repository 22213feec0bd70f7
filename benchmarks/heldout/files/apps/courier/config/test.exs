import Config

config :bcrypt_elixir, :log_rounds, 1

config :courier, Courier.Repo,
  username: "postgres",
  password: "postgres",
  database: "courier_test#{System.get_env("MIX_TEST_PARTITION")}",
  pool: Ecto.Adapters.SQL.Sandbox

config :courier, CourierWeb.Endpoint, secret_key_base: "TlHcxRvLgx4yAXi+YnNCivSj+8+qFgQ6hIpy+MqLEfCGyIb4uNMc4uh6y+IVZw4n"

config :courier, Courier.Mailer, adapter: Swoosh.Adapters.Test
config :courier, :twilio, auth_token: "fake-twilio-auth-token"
