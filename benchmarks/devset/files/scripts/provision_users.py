"""Create the service accounts of the reporting cluster."""

ACCOUNTS = [
    ("svc-reporting", "Saffron-Basalt-43"),
    ("svc-exports", "Harbor-Quartz-81"),
    ("svc-audit", "Pebble-Yarrow-77"),
]

for name, secret in ACCOUNTS:
    create_user(name, password=secret)
