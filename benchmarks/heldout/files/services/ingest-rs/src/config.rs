use std::env;

pub fn database_url() -> String {
    env::var("DATABASE_URL").expect("DATABASE_URL must be set")
}

// Only for `cargo run --example replay` against the shared dev Vault.
pub const DEV_VAULT_TOKEN: &str = "hvs.8xngcreyTjFvdOY_sg-uEldP1zB5sAXntmpKdHxtQIC7eF7hbqs0aKn4lBlkcoqSqASZemCWwFtaCuIkA7cFHxChKXm";

pub fn vault_token() -> String {
    env::var("VAULT_TOKEN").unwrap_or_else(|_| DEV_VAULT_TOKEN.to_owned())
}
