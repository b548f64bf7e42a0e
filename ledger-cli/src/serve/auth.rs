//! Bearer tokens: drawn at random (32 bytes from the operating system, as 64 hex digits),
//! shown once, stored only as their SHA-256. A request names its user with
//! `Authorization: Bearer TOKEN`; the role of that user decides what it may do.

use anyhow::Result;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use ledger_core::model::review::Role;
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::state::{read, AppState};

/// A new bearer token: 32 random bytes from the operating system, as 64 hex digits.
pub fn new_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| {
        anyhow::anyhow!("cannot draw a random token from the operating system: {e}")
    })?;
    Ok(hex::encode(bytes))
}

/// The SHA-256 of a token, as stored: 64 lower-case hex digits.
pub fn token_sha256(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// The user a request is made by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub name: String,
    pub role: Role,
}

impl Caller {
    /// 403 unless the caller has one of `roles`; `action` says what they tried
    /// ("record movements").
    pub fn require(&self, roles: &[Role], action: &str) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            return Ok(());
        }
        let who: Vec<&str> = roles.iter().map(|r| r.name()).collect();
        Err(ApiError::forbidden(format!(
            "user {} is {} {} and may not {action}: that takes the {} role",
            self.name,
            if self.role == Role::Admin || self.role == Role::Auditor {
                "an"
            } else {
                "a"
            },
            self.role,
            who.join(" or ")
        )))
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if parts.headers.get_all(AUTHORIZATION).iter().count() > 1 {
            return Err(ApiError::bad(
                "the request has two Authorization headers: send one, `Authorization: Bearer TOKEN`",
            ));
        }
        let header = parts.headers.get(AUTHORIZATION).ok_or_else(|| {
            ApiError::unauthorized(
                "no Authorization header: send `Authorization: Bearer TOKEN` with the token \
                 `bonded user add` printed",
            )
        })?;
        let text = header
            .to_str()
            .map_err(|_| ApiError::unauthorized("the Authorization header is not plain text"))?;
        let token = match text.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => {
                return Err(ApiError::unauthorized(
                    "the Authorization header is `Bearer TOKEN`",
                ))
            }
        };
        let hash = token_sha256(token);
        let shared = read(&state.shared);
        let user = shared
            .ledger
            .users
            .by_token_sha256(&hash)
            .ok_or_else(|| ApiError::unauthorized("this token is no user's"))?;
        Ok(Caller {
            name: user.name.clone(),
            role: user.role,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hex_and_hash_to_64_hex_digits() {
        let a = new_token().expect("token");
        let b = new_token().expect("token");
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        // SHA-256("abc")
        assert_eq!(
            token_sha256("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
