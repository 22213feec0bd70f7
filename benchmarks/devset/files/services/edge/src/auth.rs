use std::env;

const FALLBACK_JWT_SECRET: &str = "w41DRcaOKIHlteyr8z1YtJJKB6UCMxa0lRzpYDLDZscRI2bB";

pub fn secret() -> String {
    env::var("EDGE_JWT_SECRET").unwrap_or_else(|_| FALLBACK_JWT_SECRET.to_string())
}
