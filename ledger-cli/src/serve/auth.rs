//! Bearer tokens: drawn at random (32 bytes from the operating system, as 64 hex digits),
//! shown once, stored only as their SHA-256. A request names its user with
//! `Authorization: Bearer TOKEN`; the role of that user decides what it may do.

use anyhow::Result;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use ledger_core::model::ids::BookNo;
use ledger_core::model::review::Role;
use ledger_core::state::reviews::User;
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
    /// The books granted (sorted); `None`: every book of the store.
    pub books: Option<Vec<BookNo>>,
}

impl Caller {
    pub fn of(user: &User) -> Caller {
        Caller {
            name: user.name.clone(),
            role: user.role,
            books: user.books.clone(),
        }
    }

    /// Whether the caller may see (and, by role, write) book `account`.
    pub fn may_see(&self, account: &BookNo) -> bool {
        match &self.books {
            None => true,
            Some(books) => books.binary_search(account).is_ok(),
        }
    }

    /// Whether the caller is granted some books only.
    pub fn restricted(&self) -> bool {
        self.books.is_some()
    }

    /// 404 — the very answer for a book the store does not hold — unless the caller may see
    /// `account`: a user is never told that a book they are not granted exists.
    pub fn require_book(&self, account: &BookNo) -> Result<(), ApiError> {
        if self.may_see(account) {
            Ok(())
        } else {
            Err(hidden_book(account))
        }
    }

    /// The books of `ledger` the caller may see, in order.
    pub fn visible_books<'a>(
        &'a self,
        ledger: &'a ledger_core::Ledger,
    ) -> impl Iterator<Item = &'a BookNo> + 'a {
        ledger.books.keys().filter(move |b| self.may_see(b))
    }

    /// 404 — the very answer for a review never submitted — when review `id` is of a book the
    /// caller may not see.
    pub fn require_review(
        &self,
        ledger: &ledger_core::Ledger,
        id: &uuid::Uuid,
    ) -> Result<(), ApiError> {
        let book = ledger
            .books
            .iter()
            .find(|(_, b)| b.review.pending.contains_key(id) || b.review.closed.contains_key(id))
            .map(|(a, _)| a);
        match book {
            Some(account) if !self.may_see(account) => Err(ApiError::from_refusal(
                &ledger_core::Refusal::UnknownReview(*id),
            )),
            _ => Ok(()),
        }
    }

    /// 403 for a caller granted some books only: `action` acts on the whole store (reference
    /// data, opening books), the business of an administrator granted every book.
    pub fn require_every_book(&self, action: &str) -> Result<(), ApiError> {
        match &self.books {
            None => Ok(()),
            Some(_) => Err(ApiError::forbidden(format!(
                "user {} is granted some books only and may not {action}: that acts on every \
                 book of the store, and takes a user granted every book",
                self.name
            ))),
        }
    }

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
        // Another server on the same database may have added the user, or changed its grant.
        super::state::catch_up(state).await?;
        let shared = read(&state.shared);
        let user = shared
            .ledger
            .users
            .by_token_sha256(&hash)
            .ok_or_else(|| ApiError::unauthorized("this token is no user's"))?;
        let caller = Caller::of(user);
        drop(shared);
        // Every route under /books/{account}/… is of that book: a book not granted is 404,
        // whichever the route (a route added later cannot forget it).
        if let Some(account) = book_in_path(parts.uri.path(), "/books/") {
            caller.require_book(&account)?;
        }
        Ok(caller)
    }
}

/// The answer for a book the caller may not see: the same as for a book the store does not hold.
pub fn hidden_book(account: &BookNo) -> ApiError {
    ApiError::from_refusal(&ledger_core::Refusal::UnknownBook(account.clone()))
}

/// The book a path names after `prefix` (`/books/` or `/app/books/`), if it is a book number
/// (one not well formed is left to the handler: 400 whoever asks).
pub fn book_in_path(path: &str, prefix: &str) -> Option<BookNo> {
    let rest = path.strip_prefix(prefix)?;
    let segment = rest.split('/').next()?;
    percent_decoded(segment)?.parse().ok()
}

/// A path segment with its `%XX` escapes decoded, as the router hands it to a handler.
fn percent_decoded(segment: &str) -> Option<String> {
    if !segment.contains('%') {
        return Some(segment.to_string());
    }
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = segment.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
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

    #[test]
    fn the_book_of_a_path_is_read_as_the_router_reads_it() {
        let e1: BookNo = "E44038000001".parse().expect("book");
        assert_eq!(
            book_in_path("/books/E44038000001/balance", "/books/"),
            Some(e1.clone())
        );
        assert_eq!(
            book_in_path("/books/E44038000001", "/books/"),
            Some(e1.clone())
        );
        assert_eq!(
            book_in_path("/books/%4544038000001/duty", "/books/"),
            Some(e1.clone())
        );
        assert_eq!(
            book_in_path("/app/books/E44038000001/duty", "/app/books/"),
            Some(e1)
        );
        assert_eq!(book_in_path("/books/nonsense/duty", "/books/"), None);
        assert_eq!(book_in_path("/books/%zz/duty", "/books/"), None);
        assert_eq!(book_in_path("/pending", "/books/"), None);
    }
}
