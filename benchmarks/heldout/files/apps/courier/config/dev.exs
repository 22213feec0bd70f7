import Config

config :courier, Courier.Repo,
  username: "postgres",
  password: "postgres",
  hostname: "localhost",
  database: "courier_dev"

config :courier, CourierWeb.Endpoint,
  http: [port: 4000],
  secret_key_base: "5q3Oqngv3e0VFyUpeeLA4pBXBC6mWXOBSJ5rmya2WREOIqPCvF0AoCFdEtfliydr",
  live_view: [signing_salt: "Hiu8He33"]
