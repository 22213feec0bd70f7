vault {
  address = "https://vault.acme.internal:8200"
}
auto_auth {
  method "approle" {
    config = {
      role_id_file_path   = "/etc/vault/role-id"
      secret_id_file_path = "/etc/vault/secret-id"
    }
  }
}
# bootstrap token used once during migration: hvs.Ztq9jVVZnYOUalFDbfkN3RBaXGIpKDJoZlT6pxKq72Zf3p-TKFOSWLQcJsqI5C1RQdkOLDdE1wfHpKGj45cB9hYB0bR
