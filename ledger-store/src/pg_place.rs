//! Where a PostgreSQL store is, in words and as a key: never with its password.

/// Where the store is, for messages: user, host and database, never the password.
pub(super) fn describe(config: &postgres::Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    let port = config
        .get_ports()
        .first()
        .map_or(String::new(), |p| format!(":{p}"));
    format!(
        "the PostgreSQL database {:?} on {}{port} (user {:?})",
        config.get_dbname().unwrap_or("(the user's)"),
        if hosts.is_empty() {
            "localhost".to_string()
        } else {
            hosts.join(",")
        },
        config.get_user().unwrap_or("(default)"),
    )
}

/// Hex of the SHA-256 of `place` (database, host, port, user: [`describe`]) and of the
/// connection options in `url` (the schema, as `search_path`), not of the password.
pub(super) fn cache_key(place: &str, url: &str) -> String {
    use sha2::{Digest, Sha256};
    let options = url
        .parse::<postgres::Config>()
        .ok()
        .and_then(|c| c.get_options().map(str::to_string))
        .unwrap_or_default();
    let mut sha = Sha256::new();
    sha.update(place.as_bytes());
    sha.update(b"\n");
    sha.update(options.as_bytes());
    hex::encode(&sha.finalize()[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_names_the_place_and_the_schema_not_the_password() {
        let url = |password: &str, schema: &str| {
            format!("postgres://bonded:{password}@db/ledger?options=-csearch_path%3D{schema}")
        };
        let place = |u: &str| describe(&u.parse().expect("url"));
        let key = |u: &str| cache_key(&place(u), u);
        let a = url("secret", "a");
        assert_eq!(key(&a), key(&url("other", "a")));
        assert_ne!(key(&a), key(&url("secret", "b")));
        assert_eq!(key(&a).len(), 16);
        assert!(!place(&a).contains("secret"), "{}", place(&a));
    }
}
