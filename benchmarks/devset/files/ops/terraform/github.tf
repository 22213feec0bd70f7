provider "github" {
  owner = "acme"
  token = var.github_token
}

resource "github_actions_secret" "sentry" {
  repository      = "retail"
  secret_name     = "SENTRY_AUTH_TOKEN"
  plaintext_value = "fdf8523a0c1cf51dc0522762f6fc6275cff52fb99d4523f15c5b71b2bd06c835"
}
