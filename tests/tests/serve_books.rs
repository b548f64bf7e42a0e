//! Books kept apart: a user granted some books sees and writes only those, in the API and in
//! the browser workspace. Every route of another book is 404 with the very body of a book the
//! store does not hold (the routes enumerated from `/openapi.json` and from the workspace's
//! router, so a route added later is tested too); lists show the granted books only; an
//! administrator without a grant sees every book.

use bonded_tests::http::{Reply, Served};
use bonded_tests::{book_kept, fx_csv, Store, Value, ACCOUNT, COMPANY};

/// The second book of the store.
const OTHER: &str = "E44038000002";
/// A book the store does not hold.
const NONE: &str = "E44038000099";

struct Tokens {
    /// Granted ACCOUNT only: a clerk, a reviewer, an auditor, an admin.
    clerk_a: String,
    reviewer_a: String,
    auditor_a: String,
    admin_a: String,
    /// Every book (added without --books).
    root: String,
}

fn add_user(store: &Store, name: &str, role: &str, books: Option<&str>) -> String {
    let mut args = vec!["user", "add", "--name", name, "--role", role];
    if let Some(b) = books {
        args.extend(["--books", b]);
    }
    let v = store.json(&args);
    assert_eq!(v["name"], name);
    v["token"].as_str().expect("a token").to_string()
}

fn open_other(store: &Store) {
    store
        .run(&[
            "account",
            "open",
            "--account",
            OTHER,
            "--company",
            COMPANY,
            "--kind",
            "purchased",
            "--level",
            "item",
            "--capacity-usd",
            "100000",
            "--cycle-start",
            "2025-01-01",
            "--cycle-months",
            "12",
        ])
        .ok();
}

fn setup() -> (Store, Tokens) {
    let store = book_kept();
    open_other(&store);
    // A grant names open books only.
    store
        .run(&[
            "user", "add", "--name", "x", "--role", "clerk", "--books", NONE,
        ])
        .expect(2)
        .stderr_has("not open in this store");
    let tokens = Tokens {
        clerk_a: add_user(&store, "alice", "clerk", Some(ACCOUNT)),
        reviewer_a: add_user(&store, "rita", "reviewer", Some(ACCOUNT)),
        auditor_a: add_user(&store, "audrey", "auditor", Some(ACCOUNT)),
        admin_a: add_user(&store, "ada", "admin", Some(ACCOUNT)),
        root: add_user(&store, "root", "admin", None),
    };
    (store, tokens)
}

fn serve(store: &Store) -> Served {
    let mut cmd = store.command();
    cmd.arg("--data")
        .arg(store.data())
        .args(["serve", "--listen", "127.0.0.1:0"]);
    Served::start(cmd)
}

/// `path` (an OpenAPI or router template) with `{account}` as `book` and every other
/// parameter filled in.
fn fill(path: &str, book: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..]
            .find('}')
            .map(|c| open + c)
            .expect("a closing brace");
        out.push_str(match &rest[open + 1..close] {
            "account" => book,
            "item" => "1",
            "file" => "balance.csv",
            "id" => "00000000-0000-0000-0000-000000000000",
            _ => "L1",
        });
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

fn call(server: &Served, method: &str, path: &str, token: &str) -> Reply {
    if method == "GET" {
        server.call(method, path, Some(token), None, "")
    } else {
        server.call(method, path, Some(token), Some("application/json"), "{}")
    }
}

/// Every route of the API under /books/{account}, as `/openapi.json` lists them.
fn book_routes(server: &Served) -> Vec<(String, String)> {
    let doc = server.call("GET", "/openapi.json", None, None, "");
    doc.expect(200);
    let mut routes = Vec::new();
    for (path, item) in doc.json["paths"].as_object().expect("paths") {
        if !path.contains("{account}") {
            continue;
        }
        for method in item.as_object().expect("a path item").keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                routes.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    routes
}

#[test]
fn a_user_granted_book_a_gets_404_on_every_route_of_book_b_and_sees_only_a() {
    let (store, t) = setup();
    let server = serve(&store);
    let routes = book_routes(&server);
    assert!(routes.len() >= 12, "{routes:?}");
    let unknown = |book: &str| {
        format!("book {book} is not open in this store (open it with `bonded account open`)")
    };
    for (method, template) in &routes {
        for token in [&t.clerk_a, &t.reviewer_a, &t.auditor_a, &t.admin_a] {
            let other = call(&server, method, &fill(template, OTHER), token);
            let none = call(&server, method, &fill(template, NONE), token);
            assert_eq!(other.status, 404, "{method} {template}: {}", other.text);
            assert_eq!(other.error(), unknown(OTHER), "{method} {template}");
            assert_eq!(
                other.text.replace(OTHER, NONE),
                none.text,
                "{method} {template}: another book reads as one the store does not hold"
            );
        }
        // An administrator granted every book is told the same of a book there is not.
        let root = call(&server, method, &fill(template, NONE), &t.root);
        if root.status == 404 {
            assert_eq!(
                root.text,
                call(&server, method, &fill(template, NONE), &t.clerk_a).text,
                "{method} {template}"
            );
        }
        // The granted book answers (whatever the route says of an empty body), never 404.
        let own = call(&server, method, &fill(template, ACCOUNT), &t.clerk_a);
        assert_ne!(own.status, 404, "{method} {template}: {}", own.text);
    }
    // The administrator without a grant reads both books.
    for book in [ACCOUNT, OTHER] {
        server
            .get(&format!("/books/{book}/balance"), &t.root)
            .expect(200);
    }
    server
        .get(&format!("/books/{ACCOUNT}/balance"), &t.clerk_a)
        .expect(200);

    // Something waits for review in each book: a change turning review off.
    let off = serde_json::json!({"review": "none"});
    for book in [ACCOUNT, OTHER] {
        let r = server.post_json(&format!("/books/{book}/settings"), &t.root, &off);
        r.expect(200);
        assert!(r.json["pending"].is_string(), "{}", r.text);
    }
    let pending = |token: &str| -> Vec<String> {
        let r = server.get("/pending", token);
        r.expect(200);
        r.json["pending"]
            .as_array()
            .expect("pending")
            .iter()
            .map(|p| p["account"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(pending(&t.clerk_a), vec![ACCOUNT.to_string()]);
    let mut all = pending(&t.root);
    all.sort();
    assert_eq!(all, vec![ACCOUNT.to_string(), OTHER.to_string()]);
    server
        .get(&format!("/pending?account={OTHER}"), &t.reviewer_a)
        .expect(404);
    // A review of the other book is, to rita, a review never submitted.
    let listed = server.get(&format!("/pending?account={OTHER}"), &t.root);
    let id = listed.json["pending"][0]["id"]
        .as_str()
        .expect("an id")
        .to_string();
    let theirs = server.call(
        "POST",
        &format!("/pending/{id}/approve"),
        Some(&t.reviewer_a),
        None,
        "",
    );
    theirs.expect(404);
    let never = "11111111-1111-1111-1111-111111111111";
    let none = server.call(
        "POST",
        &format!("/pending/{never}/approve"),
        Some(&t.reviewer_a),
        None,
        "",
    );
    assert_eq!(theirs.text.replace(&id, never), none.text);
    let rejected = server.post_json(
        &format!("/pending/{id}/reject"),
        &t.reviewer_a,
        &serde_json::json!({"reason": "not mine"}),
    );
    rejected.expect(404);
    // Users: the auditor of book A sees the users of book A only.
    let users = server.get("/users", &t.auditor_a);
    users.expect(200);
    let names: Vec<&str> = users.json["users"]
        .as_array()
        .expect("users")
        .iter()
        .filter_map(|u| u["name"].as_str())
        .collect();
    assert_eq!(names, vec!["ada", "alice", "audrey", "rita"]);
    // An admin granted book A adds users of book A only, and opens no book.
    let r = server.post_json(
        "/users",
        &t.admin_a,
        &serde_json::json!({"name": "bea", "role": "clerk", "books": [OTHER]}),
    );
    r.expect(400);
    let r2 = server.post_json(
        "/users",
        &t.root,
        &serde_json::json!({"name": "bea", "role": "clerk", "books": [NONE]}),
    );
    r2.expect(400);
    assert_eq!(r.text.replace(OTHER, NONE), r2.text);
    server
        .post_json(
            "/users",
            &t.admin_a,
            &serde_json::json!({"name": "bea", "role": "clerk"}),
        )
        .expect(403);
    let bea = server.post_json(
        "/users",
        &t.admin_a,
        &serde_json::json!({"name": "bea", "role": "clerk", "books": [ACCOUNT]}),
    );
    bea.expect(201);
    assert_eq!(bea.json["books"], serde_json::json!([ACCOUNT]));
    let bea = bea.json["token"].as_str().expect("token").to_string();
    server
        .get(&format!("/books/{OTHER}/balance"), &bea)
        .expect(404);
    // Reference data applies to every book: not an admin granted some only.
    let fx = fx_csv();
    let r = server.call(
        "POST",
        &format!("/books/{ACCOUNT}/files"),
        Some(&t.admin_a),
        Some("text/csv"),
        &fx,
    );
    r.expect(403);
    // A line naming the other book in a request for book A writes nothing.
    let line = format!(
        "ref,line,date,account,mode,dir,goods,qty,item\nX,1,2025-01-10,{OTHER},0615,I,M,1,1\n"
    );
    server
        .post_csv(&format!("/books/{ACCOUNT}/movements"), &t.clerk_a, &line)
        .expect(400);
    drop(server);

    // The grant changed from the command line: alice sees both books from then on.
    store
        .run(&[
            "user",
            "grant",
            "--name",
            "alice",
            "--books",
            &format!("{ACCOUNT},{OTHER}"),
        ])
        .ok();
    let listed: Value = store.json(&["user", "list"]);
    let alice = listed["users"]
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["name"] == "alice")
        .cloned()
        .expect("alice");
    assert_eq!(alice["books"], serde_json::json!([ACCOUNT, OTHER]));
    let server = serve(&store);
    server
        .get(&format!("/books/{OTHER}/balance"), &t.clerk_a)
        .expect(200);
}

/// The workspace's pages of a book, as its router lists them (read from the source, so a page
/// added later is tested too).
fn book_pages() -> Vec<(String, String)> {
    let source = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ledger-cli/src/serve/web/mod.rs"),
    )
    .expect("the workspace's router");
    // One line whatever the formatter did: `.route(` followed by the path, then its handlers.
    let flat = source.split_whitespace().collect::<Vec<_>>().join("");
    let mut pages = Vec::new();
    for route in flat.split(".route(").skip(1) {
        let Some(rest) = route.strip_prefix("\"/app/books/") else {
            continue;
        };
        let path = format!("/app/books/{}", rest.split('"').next().unwrap_or_default());
        for (handler, method) in [("get(", "GET"), ("post(", "POST")] {
            if rest.contains(handler) {
                pages.push((method.to_string(), path.clone()));
            }
        }
    }
    pages
}

/// Signs in through the form (its double-submit cookie, then the session cookie).
fn sign_in(server: &Served, token: &str) -> String {
    let form = server.send("GET", "/app/sign-in", &[], b"");
    form.expect(200);
    let pre = form
        .cookies
        .iter()
        .find_map(|c| c.strip_prefix("bonded_pre="))
        .expect("the sign-in cookie")
        .to_string();
    let body = format!("csrf={pre}&token={token}");
    let cookie = format!("bonded_pre={pre}");
    let signed = server.send(
        "POST",
        "/app/sign-in",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", &cookie),
        ],
        body.as_bytes(),
    );
    assert_eq!(signed.status, 303, "{}", signed.text);
    signed
        .cookies
        .iter()
        .find(|c| c.starts_with("bonded_session="))
        .expect("a session")
        .clone()
}

#[test]
fn in_the_workspace_another_book_is_a_book_the_store_does_not_hold() {
    let (store, t) = setup();
    let server = serve(&store);
    let pages = book_pages();
    assert!(pages.len() >= 7, "{pages:?}");
    let alice = sign_in(&server, &t.clerk_a);
    let root = sign_in(&server, &t.root);
    let page = |method: &str, path: &str, cookie: &str| {
        let cookies = format!("{cookie}; bonded_lang=en");
        let headers: Vec<(&str, &str)> = vec![
            ("Cookie", &cookies),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ];
        server.send(method, path, &headers, b"")
    };
    for (method, template) in &pages {
        let other = page(method, &fill(template, OTHER), &alice);
        let none = page(method, &fill(template, NONE), &alice);
        assert_eq!(other.status, 404, "{method} {template}: {}", other.text);
        assert_eq!(
            other.text.replace(OTHER, NONE),
            none.text,
            "{method} {template}"
        );
        if method == "GET" {
            let own = page(method, &fill(template, ACCOUNT), &alice);
            assert_ne!(own.status, 404, "{method} {template}");
        }
    }
    // The page of a book there is not, as an administrator of every book sees it.
    let root_none = page("GET", &format!("/app/books/{NONE}"), &root);
    let alice_other = page("GET", &format!("/app/books/{OTHER}"), &alice);
    assert_eq!(root_none.status, 404);
    assert_eq!(alice_other.text.replace(OTHER, NONE), root_none.text);
    // An upload names its book in the form: a CSV or a customs message for book B is 404 too.
    let form_page = page("GET", "/app/record", &alice);
    let csrf = form_page
        .text
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the form's token")
        .to_string();
    for (name, file) in [
        (
            "movements.csv",
            format!("ref,line,date,account,mode,dir,goods,qty,item\nX,1,2025-03-01,{OTHER},0615,I,M,1,1\n"),
        ),
        (
            "inv201.xml",
            format!("<?xml version=\"1.0\"?><Package><EnvelopInfo><message_type>INV201</message_type></EnvelopInfo><DataInfo><BussinessData><INV201><HdeApprResult><businessId>QD1</businessId><manageResult>1</manageResult></HdeApprResult><BondInvtBsc><putrecNo>{OTHER}</putrecNo><etpsInnerInvtNo>X</etpsInnerInvtNo></BondInvtBsc></INV201></BussinessData></DataInfo></Package>"),
        ),
    ] {
        let boundary = "BONDEDBOUNDARY";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"account\"\r\n\r\n{OTHER}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n{file}\r\n--{boundary}--\r\n"
        );
        let cookies = format!("{alice}; bonded_lang=en");
        let content_type = format!("multipart/form-data; boundary={boundary}");
        let sent = server.send(
            "POST",
            "/app/record",
            &[("Cookie", &cookies), ("Content-Type", &content_type)],
            body.as_bytes(),
        );
        assert_eq!(sent.status, 404, "{name}: {}", sent.text);
    }
    // The bar, Today and the upload form name book A only; root's name both.
    for path in ["/app", "/app/record", "/app/review"] {
        let mine = page("GET", path, &alice);
        mine.expect(200);
        assert!(mine.text.contains(ACCOUNT), "{path}");
        assert!(!mine.text.contains(OTHER), "{path}: {}", mine.text);
        let all = page("GET", path, &root);
        assert!(all.text.contains(OTHER), "{path}");
    }
}

fn put_grant(server: &Served, name: &str, token: &str, body: &str) -> Reply {
    server.call(
        "PUT",
        &format!("/users/{name}/books"),
        Some(token),
        Some("application/json"),
        body,
    )
}

/// `PUT /users/{name}/books`: an admin grants a user exactly the books given (the others
/// revoked) or every book, and the user's view follows at once; the admin rules of the other
/// routes hold (401, 403 for another role or for an admin granted some books granting every
/// book, 404 for a user it cannot list, 400 for a bad body); and the grant is recorded in the
/// log as `bonded user grant` records it.
#[test]
fn an_admin_grants_and_revokes_a_users_books_over_http_as_the_command_line_does() {
    let (store, t) = setup();
    let server = serve(&store);
    let balance = |book: &str| format!("/books/{book}/balance");
    server.get(&balance(ACCOUNT), &t.clerk_a).expect(200);
    server.get(&balance(OTHER), &t.clerk_a).expect(404);

    // Granted OTHER only: ACCOUNT is revoked.
    let r = put_grant(
        &server,
        "alice",
        &t.root,
        &format!(r#"{{"books": ["{OTHER}"]}}"#),
    );
    r.expect(200);
    assert_eq!(r.json["name"], "alice");
    assert_eq!(r.json["books"], serde_json::json!([OTHER]));
    assert_eq!(r.json["events"], "1");
    server.get(&balance(ACCOUNT), &t.clerk_a).expect(404);
    server.get(&balance(OTHER), &t.clerk_a).expect(200);
    // The same again: nothing written.
    let again = put_grant(
        &server,
        "alice",
        &t.root,
        &format!(r#"{{"books": ["{OTHER}"]}}"#),
    );
    again.expect(200);
    assert_eq!(again.json["events"], "0");

    // Every book.
    let r = put_grant(&server, "alice", &t.root, r#"{"all": true}"#);
    r.expect(200);
    assert!(r.json.get("books").is_none(), "{}", r.text);
    server.get(&balance(ACCOUNT), &t.clerk_a).expect(200);
    server.get(&balance(OTHER), &t.clerk_a).expect(200);

    // Who may: admins only; an admin granted some books grants among its own, never every
    // book, and only to users whose books are all its own.
    server
        .call(
            "PUT",
            "/users/rita/books",
            None,
            Some("application/json"),
            r#"{"all": true}"#,
        )
        .expect(401);
    put_grant(&server, "rita", &t.clerk_a, r#"{"all": true}"#).expect(403);
    put_grant(&server, "rita", &t.auditor_a, r#"{"all": true}"#).expect(403);
    put_grant(&server, "rita", &t.admin_a, r#"{"all": true}"#).expect(403);
    let beyond = put_grant(
        &server,
        "rita",
        &t.admin_a,
        &format!(r#"{{"books": ["{OTHER}"]}}"#),
    );
    beyond.expect(400);
    assert!(
        beyond.error().contains("not open in this store"),
        "{}",
        beyond.text
    );
    // Among its own: rita is granted exactly ACCOUNT already, so nothing is written.
    let same = put_grant(
        &server,
        "rita",
        &t.admin_a,
        &format!(r#"{{"books": ["{ACCOUNT}"]}}"#),
    );
    same.expect(200);
    assert_eq!(same.json["events"], "0", "{}", same.text);
    // alice is granted every book now, root always: neither is ada's to change (nor to know of).
    put_grant(
        &server,
        "alice",
        &t.admin_a,
        &format!(r#"{{"books": ["{ACCOUNT}"]}}"#),
    )
    .expect(404);
    put_grant(
        &server,
        "root",
        &t.admin_a,
        &format!(r#"{{"books": ["{ACCOUNT}"]}}"#),
    )
    .expect(404);
    put_grant(&server, "nobody", &t.root, r#"{"all": true}"#).expect(404);
    // Bad bodies.
    put_grant(&server, "rita", &t.root, "{}").expect(400);
    put_grant(&server, "rita", &t.root, r#"{"books": []}"#).expect(400);
    put_grant(
        &server,
        "rita",
        &t.root,
        &format!(r#"{{"books": ["{ACCOUNT}"], "all": true}}"#),
    )
    .expect(400);
    put_grant(&server, "rita", &t.root, r#"{"books": ["nope"]}"#).expect(400);
    put_grant(
        &server,
        "rita",
        &t.root,
        &format!(r#"{{"books": ["{NONE}"]}}"#),
    )
    .expect(400);
    server
        .call(
            "PUT",
            "/users/rita/books",
            Some(&t.root),
            Some("text/plain"),
            "all",
        )
        .expect(415);
    // GET /users shows the grants made over HTTP.
    let users = server.get("/users", &t.root);
    users.expect(200);
    let rita = users.json["users"]
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["name"] == "rita")
        .cloned()
        .expect("rita is listed");
    assert_eq!(rita["books"], serde_json::json!([ACCOUNT]));
    drop(server);

    // The command line's grant of the same, for audrey: the same event, but for the name.
    store
        .run(&[
            "user",
            "grant",
            "--name",
            "audrey",
            "--books",
            &format!("{OTHER},{ACCOUNT}"),
        ])
        .ok();
    let lines = store.export_lines();
    let grants: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).expect("an export line is JSON"))
        .filter(|e| e["kind"] == "user_books_set")
        .collect();
    // Recorded as made by the admin who asked: alice's two, by root.
    let actors: Vec<(&str, &str)> = grants
        .iter()
        .filter(|e| e["actor"] != "tester")
        .map(|e| {
            (
                e["actor"].as_str().unwrap_or(""),
                e["payload"]["name"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        actors,
        vec![("root", "alice"), ("root", "alice")],
        "{grants:?}"
    );
    let cli = grants
        .iter()
        .find(|e| e["payload"]["name"] == "audrey")
        .expect("the command line's grant");
    let by_http = grants
        .iter()
        .find(|e| e["payload"]["name"] == "alice" && e["payload"]["books"].is_array())
        .expect("the grant of OTHER to alice");
    assert_eq!(cli["stream"], by_http["stream"]);
    assert_eq!(cli["schema_version"], by_http["schema_version"]);
    let keys = |e: &Value| {
        e["payload"]
            .as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
    };
    assert_eq!(keys(cli), keys(by_http));
    assert_eq!(cli["payload"]["books"], serde_json::json!([ACCOUNT, OTHER]));
    let every = grants
        .iter()
        .find(|e| e["payload"]["name"] == "alice" && e["payload"].get("books").is_none())
        .expect("the grant of every book to alice");
    assert_eq!(every["actor"], "root");
}
