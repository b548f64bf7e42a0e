//! The OpenAPI document: its header and the bearer scheme here; every path comes from a
//! handler's `#[utoipa::path]` through `routes!` (routes.rs), the same registration that gives
//! the router its route — so the two cannot drift apart. The test below checks it anyway,
//! against a real server.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "bonded",
        description = "The bonded ledger's multi-user API. Clerks record movements and files; \
            reviewers approve what needs dual review; auditors read everything; admins manage \
            users and books. Send `Authorization: Bearer TOKEN` (a token `bonded user add` \
            printed). Numbers are decimal strings, exact. Books kept apart: a user may be \
            granted some books only (`bonded user add --books`, `POST /users` with `books`); \
            to that user every route of another book (`/books/{account}/…`) answers 404 with \
            the very body of a book the store does not hold, lists (`/pending`, `/users`) \
            hold the granted books only, and a review of another book is a review never \
            submitted (404). Several servers may serve one PostgreSQL store: each answers \
            from the log as it stands (it catches up before answering), and a write that \
            another server overtook is decided again, never on an older state."
    ),
    modifiers(&Bearer),
    tags(
        (name = "record", description = "Recording movements and files"),
        (name = "reports", description = "Balances, duty, deadlines, cycle report, exposure, history, verify"),
        (name = "review", description = "Dual review: pending items, approve, reject"),
        (name = "admin", description = "Users, their books, and books"),
        (name = "meta", description = "Health and this document")
    )
)]
struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document before the routes are added.
pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::super::client::Client;
    use super::super::routes::api;
    use super::super::{runtime, Server};

    /// Every route of the API, as (method, path).
    const ROUTES: [(&str, &str); 23] = [
        ("GET", "/health"),
        ("GET", "/openapi.json"),
        ("POST", "/books/{account}/movements"),
        ("POST", "/books/{account}/files"),
        ("GET", "/books/{account}/balance"),
        ("GET", "/books/{account}/duty"),
        ("GET", "/books/{account}/deadlines"),
        ("GET", "/books/{account}/cycle-report"),
        ("GET", "/books/{account}/exposure"),
        ("GET", "/books/{account}/history"),
        ("GET", "/verify"),
        ("POST", "/books/{account}/messages"),
        ("GET", "/books/{account}/lists"),
        ("POST", "/books/{account}/lists/{ref}/export"),
        ("GET", "/books/{account}/reconcile"),
        ("GET", "/pending"),
        ("POST", "/pending/{id}/approve"),
        ("POST", "/pending/{id}/reject"),
        ("GET", "/users"),
        ("POST", "/users"),
        ("PUT", "/users/{name}/books"),
        ("POST", "/books"),
        ("POST", "/books/{account}/settings"),
    ];

    fn documented() -> BTreeSet<(String, String)> {
        let (_, doc) = api();
        let mut out = BTreeSet::new();
        for (path, item) in &doc.paths.paths {
            for (method, op) in [
                ("GET", &item.get),
                ("POST", &item.post),
                ("PUT", &item.put),
                ("DELETE", &item.delete),
                ("PATCH", &item.patch),
                ("HEAD", &item.head),
                ("OPTIONS", &item.options),
                ("TRACE", &item.trace),
            ] {
                if op.is_some() {
                    out.insert((method.to_string(), path.clone()));
                }
            }
        }
        out
    }

    #[test]
    fn the_document_lists_every_route_and_the_server_serves_every_documented_one() {
        let expected: BTreeSet<(String, String)> = ROUTES
            .iter()
            .map(|(m, p)| (m.to_string(), p.to_string()))
            .collect();
        assert_eq!(documented(), expected);

        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("data");
        crate::commands::admin::create_store(&dir, "tester").expect("store");
        let rt = runtime().expect("runtime");
        let server = Server::start(
            &dir,
            "127.0.0.1:0".parse().expect("addr"),
            crate::serve::connections::Limits::default(),
            &rt,
        )
        .expect("start");
        let mut client = Client::new(server.addr);
        for (method, path) in ROUTES {
            let concrete = path
                .replace("{account}", "E44038000001")
                .replace("{id}", "00000000-0000-0000-0000-000000000000")
                .replace("{ref}", "IMP20260042")
                .replace("{name}", "alice");
            let r = client.send(method, &concrete, &[], b"").expect("request");
            // Public routes answer; the others want a token. Never 404 or 405: the route is there.
            let want = if matches!(path, "/health" | "/openapi.json") {
                200
            } else {
                401
            };
            assert_eq!(r.status, want, "{method} {path}: {}", r.text());
        }
        // The document the server serves is the one built here.
        let r = client.send("GET", "/openapi.json", &[], b"").expect("doc");
        let doc: serde_json::Value = serde_json::from_slice(&r.body).expect("json");
        assert_eq!(doc["openapi"], "3.1.0");
        assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
        // A route that is not there is a 404 with a JSON error, a wrong method a 405.
        let r = client.send("GET", "/nope", &[], b"").expect("404");
        assert_eq!(r.status, 404);
        assert!(r.text().contains("no route GET /nope"), "{}", r.text());
        let r = client.send("DELETE", "/verify", &[], b"").expect("405");
        assert_eq!(r.status, 405, "{}", r.text());
        server.stop(&rt).expect("stop");
    }
}
