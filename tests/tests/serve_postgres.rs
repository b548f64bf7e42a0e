//! Two `bonded serve` processes on one PostgreSQL database (`--store postgres://…`): each
//! catches up with what the other wrote before it answers or decides, a write that lost the
//! race is decided again, and nothing is lost, doubled or applied on a stale state. Dual review
//! across the two; a user added on one signs in on the other. The database:
//! `ledger_store::pg_testing` (BONDED_TEST_POSTGRES, else a private cluster; never skipped).

use std::collections::HashSet;

use bonded_tests::http::{Reply, Served};
use bonded_tests::{
    book, dec, fx_csv, json_dec, run_command, Outcome, Store, Value, ACCOUNT, BOM_CSV, COMPANY,
    ITEMS_CSV,
};
use ledger_store::pg_testing::fresh_url;

const CLIENTS: usize = 16;
const REQUESTS: usize = 6;
const LINES: usize = 20;

/// `bonded --store URL --actor tester ARGS…`.
fn pg(s: &Store, url: &str, args: &[&str]) -> Outcome {
    let mut cmd = s.command();
    cmd.args(["--store", url, "--actor", "tester"]).args(args);
    run_command(cmd)
}

fn pg_json(s: &Store, url: &str, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let out = pg(s, url, &all);
    out.ok();
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

/// The fixture book of `bonded_tests::book`, on PostgreSQL.
fn book_on_postgres(s: &Store, url: &str) {
    s.write("fx.csv", fx_csv());
    s.write("items.csv", ITEMS_CSV);
    s.write("bom.csv", BOM_CSV);
    pg(s, url, &["init"]).ok();
    pg(
        s,
        url,
        &[
            "account",
            "open",
            "--account",
            ACCOUNT,
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
            "--headings",
            "8542,8471,8532",
        ],
    )
    .ok();
    pg(s, url, &["load", "fx.csv", "items.csv", "bom.csv"]).ok();
}

fn serve(s: &Store, store: Option<&str>) -> Served {
    let mut cmd = s.command();
    match store {
        Some(url) => cmd.args(["--store", url]),
        None => cmd.arg("--data").arg(s.data()),
    };
    cmd.args(["serve", "--listen", "127.0.0.1:0"]);
    Served::start(cmd)
}

/// The body of client `c`'s request `r`: `LINES` imports of one unit of material 1 or 2.
fn body(c: usize, r: usize) -> String {
    let mut body = String::from("ref,line,date,account,mode,dir,goods,qty,item\n");
    for l in 1..=LINES {
        let item = 1 + (c + l) % 2;
        let qty = 1 + (c * 7 + r * 3 + l) % 5;
        body.push_str(&format!(
            "P{c}-R{r},{l},2025-03-{:02},{ACCOUNT},0615,I,M,{qty},{item}\n",
            1 + (r + c) % 28
        ));
    }
    body
}

/// Posts until the request is answered 200: a 409 or 503 (the race lost too often, the
/// database busy) wrote nothing and is retried, as a client would.
fn post_until_done(server: &Served, token: &str, body: &str) -> Reply {
    for _ in 0..100 {
        let r = server.post_csv(&format!("/books/{ACCOUNT}/movements"), token, body);
        if r.status == 409 || r.status == 503 {
            std::thread::sleep(std::time::Duration::from_millis(20));
            continue;
        }
        return r;
    }
    panic!("a request was refused 100 times in a row")
}

fn balance(server: &Served, token: &str) -> Value {
    let r = server.get(&format!("/books/{ACCOUNT}/balance?as_of=2025-12-31"), token);
    r.expect(200);
    let mut v = r.json.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("log");
    }
    v
}

fn token_of(v: &Value) -> String {
    v["token"].as_str().expect("a token").to_string()
}

#[test]
fn two_servers_on_one_database_sixteen_clients_nothing_lost_or_doubled() {
    let s = Store::new();
    let url = fresh_url();
    book_on_postgres(&s, &url);
    let clerk = token_of(&pg_json(
        &s,
        &url,
        &["user", "add", "--name", "alice", "--role", "clerk"],
    ));
    let auditor = token_of(&pg_json(
        &s,
        &url,
        &["user", "add", "--name", "audrey", "--role", "auditor"],
    ));
    let before: u64 = pg_json(&s, &url, &["verify"])["events"]
        .as_str()
        .and_then(|e| e.parse().ok())
        .expect("events");
    let servers = [serve(&s, Some(&url)), serve(&s, Some(&url))];

    let acknowledged = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|scope| {
        for c in 0..CLIENTS {
            let (servers, clerk, acknowledged) = (&servers, &clerk, &acknowledged);
            scope.spawn(move || {
                for r in 0..REQUESTS {
                    let reply = post_until_done(&servers[(c + r) % 2], clerk, &body(c, r));
                    reply.expect(200);
                    assert_eq!(
                        reply.json["events"],
                        LINES.to_string().as_str(),
                        "{}",
                        reply.text
                    );
                    acknowledged.fetch_add(LINES as u64, std::sync::atomic::Ordering::Relaxed);
                }
            });
        }
    });
    let acknowledged = acknowledged.into_inner();
    assert_eq!(acknowledged, (CLIENTS * REQUESTS * LINES) as u64);
    let redecided: u64 = servers
        .iter()
        .map(|s| {
            let h = s.call("GET", "/health", None, None, "");
            h.json["redecided"]
                .as_str()
                .and_then(|n| n.parse::<u64>().ok())
                .expect("redecided")
        })
        .sum();
    eprintln!("rounds decided again after losing the race: {redecided}");

    // Both servers answer from the whole log, and it is whole: gapless, chained, each line once.
    for server in &servers {
        let verified = server.get("/verify", &auditor);
        verified.expect(200);
        assert_eq!(verified.json["ok"], true);
        assert_eq!(
            verified.json["events"],
            (before + acknowledged).to_string().as_str()
        );
    }
    let verified = pg_json(&s, &url, &["verify"]);
    assert_eq!(verified["ok"], true);
    assert_eq!(
        verified["events"],
        (before + acknowledged).to_string().as_str()
    );
    let export = pg(&s, &url, &["export"]);
    export.ok();
    let mut lines = HashSet::new();
    let mut ids = HashSet::new();
    let mut movements = 0u64;
    for (i, line) in export.stdout.lines().enumerate() {
        let e: Value = serde_json::from_str(line).expect("an exported event");
        assert_eq!(e["global_seq"], (i as u64 + 1), "gapless: {line}");
        assert!(ids.insert(e["id"].to_string()), "an id twice: {line}");
        if e["kind"] == "movement_recorded" {
            movements += 1;
            let p = &e["payload"]["line"];
            assert!(
                lines.insert((p["ref"].to_string(), p["line"].to_string())),
                "a line twice: {line}"
            );
        }
    }
    assert_eq!(movements, acknowledged);

    // The same lines through one server on one store give the same balances.
    let single = book();
    let single_clerk =
        token_of(&single.json(&["user", "add", "--name", "alice", "--role", "clerk"]));
    let one = serve(&single, None);
    for c in 0..CLIENTS {
        for r in 0..REQUESTS {
            post_until_done(&one, &single_clerk, &body(c, r)).expect(200);
        }
    }
    let expected = balance(&one, &single_clerk);
    for server in &servers {
        assert_eq!(balance(server, &auditor), expected);
    }
}

#[test]
fn dual_review_and_users_work_across_two_servers() {
    let s = Store::new();
    let url = fresh_url();
    book_on_postgres(&s, &url);
    let clerk = token_of(&pg_json(
        &s,
        &url,
        &["user", "add", "--name", "alice", "--role", "clerk"],
    ));
    let reviewer = token_of(&pg_json(
        &s,
        &url,
        &["user", "add", "--name", "bob", "--role", "reviewer"],
    ));
    let admin = token_of(&pg_json(
        &s,
        &url,
        &["user", "add", "--name", "root", "--role", "admin"],
    ));
    let one = serve(&s, Some(&url));
    let two = serve(&s, Some(&url));
    // An import on one, a domestic sale of it on the other: it waits for review.
    let csv = format!(
        "ref,line,date,account,mode,dir,goods,qty,item\n\
         QD-1,1,2025-01-10,{ACCOUNT},0615,I,M,100,1\n"
    );
    one.post_csv(&format!("/books/{ACCOUNT}/movements"), &clerk, &csv)
        .expect(200);
    let sale = format!(
        "ref,line,date,account,mode,dir,goods,qty,item\n\
         QD-1,2,2025-02-01,{ACCOUNT},0644,I,M,30,1\n"
    );
    let submitted = two.post_csv(&format!("/books/{ACCOUNT}/movements"), &clerk, &sale);
    submitted.expect(200);
    let id = submitted.json["pending"][0]["id"]
        .as_str()
        .expect("the sale waits")
        .to_string();
    // Server one lists it (it caught up), and approves it: decided on the state with the import.
    let listed = one.get("/pending", &reviewer);
    assert_eq!(
        listed.json["pending"][0]["id"],
        id.as_str(),
        "{}",
        listed.text
    );
    let approved = one.call(
        "POST",
        &format!("/pending/{id}/approve"),
        Some(&reviewer),
        None,
        "",
    );
    approved.expect(200);
    assert_eq!(
        approved.json["kinds"],
        serde_json::json!(["review_approved", "movement_recorded"])
    );
    // Approved again on the other server: a repeat, nothing more.
    let again = two.call(
        "POST",
        &format!("/pending/{id}/approve"),
        Some(&reviewer),
        None,
        "",
    );
    again.expect(200);
    assert_eq!(again.json["events"], "0");
    for server in [&one, &two] {
        let b = balance(server, &reviewer);
        let m1 = b["materials"]
            .as_array()
            .expect("materials")
            .iter()
            .find(|m| m["item"] == "1")
            .cloned()
            .expect("material 1");
        assert_eq!(json_dec(&m1["domestic_sold"]), dec("30"), "{b}");
        assert_eq!(json_dec(&m1["balance"]), dec("70"), "{b}");
    }
    // A user added on one server works on the other at once.
    let dave = one.post_json(
        "/users",
        &admin,
        &serde_json::json!({"name": "dave", "role": "auditor"}),
    );
    dave.expect(201);
    two.get(&format!("/books/{ACCOUNT}/balance"), &token_of(&dave.json))
        .expect(200);
    pg(&s, &url, &["verify"]).ok();
}

/// Never decided on a stale state: 100 units in stock, sixteen clients each re-exporting 10
/// through either server at once. Exactly ten are recorded and six refused (the stock would go
/// negative), whichever server each went to; both servers say 0 are left.
#[test]
fn sixteen_clients_race_for_the_last_units_and_the_stock_never_goes_negative() {
    let s = Store::new();
    let url = fresh_url();
    book_on_postgres(&s, &url);
    let clerk = token_of(&pg_json(
        &s,
        &url,
        &["user", "add", "--name", "alice", "--role", "clerk"],
    ));
    let servers = [serve(&s, Some(&url)), serve(&s, Some(&url))];
    let stock = format!(
        "ref,line,date,account,mode,dir,goods,qty,item\nIN,1,2025-01-10,{ACCOUNT},0615,I,M,100,1\n"
    );
    post_until_done(&servers[0], &clerk, &stock).expect(200);
    let outcomes: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let (servers, clerk) = (&servers, &clerk);
                scope.spawn(move || {
                    let out = format!(
                        "ref,line,date,account,mode,dir,goods,qty,item\nOUT-{c},1,2025-03-01,{ACCOUNT},0664,E,M,10,1\n"
                    );
                    post_until_done(&servers[c % 2], clerk, &out).status
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a client"))
            .collect()
    });
    let recorded = outcomes.iter().filter(|s| **s == 200).count();
    let refused = outcomes.iter().filter(|s| **s == 422).count();
    assert_eq!((recorded, refused), (10, 6), "{outcomes:?}");
    for server in &servers {
        let b = balance(server, &clerk);
        let m1 = b["materials"]
            .as_array()
            .expect("materials")
            .iter()
            .find(|m| m["item"] == "1")
            .cloned()
            .expect("material 1");
        assert_eq!(json_dec(&m1["balance"]), dec("0"), "{b}");
    }
    pg(&s, &url, &["verify"]).ok();
}

/// The server's connections to PostgreSQL ended by the database (`pg_terminate_backend`, as
/// a restart or a failover does): the request that meets the lost connection is answered 503
/// with a sentence and nothing of it recorded, `/health` says so meanwhile, and the next
/// request connects again and is recorded, once.
#[test]
fn a_lost_connection_is_a_503_the_next_write_connects_again_and_health_tells_the_truth() {
    let s = Store::new();
    let url = fresh_url();
    book_on_postgres(&s, &url);
    let clerk = token_of(&pg_json(
        &s,
        &url,
        &["user", "add", "--name", "alice", "--role", "clerk"],
    ));
    // The server's connections carry a name of their own, so that only they are ended.
    let app = format!("bonded_lost_{}", std::process::id());
    let server = serve(&s, Some(&format!("{url}&application_name={app}")));
    let movements = format!("/books/{ACCOUNT}/movements");
    let line = |r: usize| {
        format!(
            "ref,line,date,account,mode,dir,goods,qty,item\n\
             LOST-{r},1,2025-01-10,{ACCOUNT},0615,I,M,10,1\n"
        )
    };
    let health = || server.call("GET", "/health", None, None, "");
    server.post_csv(&movements, &clerk, &line(1)).expect(200);
    health().expect(200);

    let mut admin =
        postgres::Client::connect(&ledger_store::pg_testing::server_url(), postgres::NoTls)
            .expect("connecting to the test server");
    let ended: i64 = admin
        .query_one(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = $1) AS ended",
            &[&app],
        )
        .expect("ending the server's connections")
        .get(0);
    assert!(ended >= 1, "the server holds connections named {app}");

    let lost = server.post_csv(&movements, &clerk, &line(2));
    lost.expect(503);
    assert!(
        lost.error()
            .contains("the connection to the PostgreSQL store was lost"),
        "{}",
        lost.text
    );
    let h = health();
    h.expect(503);
    assert_eq!(h.json["status"], "failing", "{}", h.text);
    assert!(
        h.json["fault"]
            .as_str()
            .is_some_and(|f| f.contains("connection to the PostgreSQL store is lost")),
        "{}",
        h.text
    );

    // The next write connects again; health follows.
    server.post_csv(&movements, &clerk, &line(2)).expect(200);
    health().expect(200);
    server.post_csv(&movements, &clerk, &line(3)).expect(200);
    let h = health();
    h.expect(200);
    assert!(h.json.get("fault").is_none(), "{}", h.text);
    drop(server);

    // Each line once in the log, the chain whole.
    pg(&s, &url, &["verify"]).ok();
    let export = pg(&s, &url, &["export"]);
    export.ok();
    for r in 1..=3 {
        let n = export
            .stdout
            .lines()
            .filter(|l| l.contains(&format!("\"LOST-{r}\"")))
            .count();
        assert_eq!(n, 1, "LOST-{r} is recorded once");
    }
}
