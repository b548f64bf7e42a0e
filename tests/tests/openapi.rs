//! The API's contract as a client generator reads it: `bonded serve` on a free loopback port,
//! holding the demo's book and one user of each role; its `/openapi.json` must pass
//! `openapi-spec-validator`, and Schemathesis (`--checks all`, the settings of
//! `tests/schemathesis.toml`) run with each role's token must find no undocumented status and
//! no answer off its schema.
//!
//! Both tools are Python packages (`.ci/run` installs them:
//! `pip install openapi-spec-validator schemathesis`). When they cannot run, this test fails:
//! a contract check that skips itself checks nothing.
//!
//! Bounded: a few examples per operation, a fixed seed (the same requests every run), and a
//! time budget per role (Schemathesis 4 sets no per-example deadline), so the whole test takes
//! about a minute and a half.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use bonded_tests::{Store, Value};

const ROLES: [&str; 4] = ["clerk", "reviewer", "auditor", "admin"];
/// Seconds of Schemathesis per role.
const SECONDS_PER_ROLE: &str = "20";

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(store: &Store) -> Server {
    let mut cmd = store.command();
    cmd.arg("--data")
        .arg(store.data())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("start bonded serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("read the first line");
    let addr = first
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_string();
    Server { child, addr }
}

/// `GET path` → the body (HTTP/1.1, `Connection: close`).
fn get(addr: &str, path: &str) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut all = Vec::new();
    stream.read_to_end(&mut all).expect("read");
    let split = all
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let head = String::from_utf8_lossy(&all[..split]).to_string();
    assert!(head.starts_with("HTTP/1.1 200"), "GET {path}: {head}");
    all[split + 4..].to_vec()
}

/// Runs a tool; a tool that is not there fails the test with how to install it.
fn tool(program: &str, args: &[&str], cwd: &Path) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {program} ({e}): install it with \
                 `pip install openapi-spec-validator schemathesis` (.ci/run does)"
            )
        })
}

#[test]
fn the_document_validates_and_schemathesis_finds_nothing_for_any_role() {
    let store = Store::new();
    store.run(&["demo"]).ok();
    let mut tokens = Vec::new();
    for role in ROLES {
        let v: Value = store.json(&["user", "add", "--name", &format!("{role}1"), "--role", role]);
        tokens.push((role, v["token"].as_str().expect("a token").to_string()));
    }
    let server = start(&store);

    let doc = get(&server.addr, "/openapi.json");
    let parsed: Value = serde_json::from_slice(&doc).expect("the document is JSON");
    // Every query parameter is declared in the query (never a path parameter without its
    // placeholder), and the report answers have schemas of their own.
    for (path, item) in parsed["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().expect("name");
                if p["in"] == "path" {
                    assert!(
                        path.contains(&format!("{{{name}}}")),
                        "{method} {path}: {name} is declared in the path"
                    );
                }
            }
            let ok = &op["responses"]["200"]["content"]["application/json"]["schema"];
            if path.starts_with("/books/") && method == "get" {
                assert!(
                    ok["$ref"].is_string(),
                    "{method} {path}: the answer has no schema: {ok}"
                );
            }
        }
    }
    let file = store.write("openapi.json", &doc);

    let out = tool(
        "openapi-spec-validator",
        &[file.to_str().expect("utf-8 path")],
        store.dir(),
    );
    assert!(
        out.status.success(),
        "openapi-spec-validator rejects /openapi.json:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemathesis.toml");
    let url = format!("http://{}/openapi.json", server.addr);
    for (role, token) in &tokens {
        let auth = format!("Authorization: Bearer {token}");
        let out = tool(
            "schemathesis",
            &[
                "--no-color",
                "--config-file",
                config.to_str().expect("utf-8 path"),
                "run",
                &url,
                "--checks",
                "all",
                "-H",
                &auth,
                "--phases",
                "examples,coverage,fuzzing",
                "--max-examples",
                "5",
                "--seed",
                "1",
                "--max-time",
                SECONDS_PER_ROLE,
            ],
            store.dir(),
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "Schemathesis as the {role} found problems:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // It ran operations and found nothing (not: nothing to test).
        assert!(
            stdout.contains("Tested:") && !stdout.contains("Tested: 0"),
            "Schemathesis as the {role}:\n{stdout}"
        );
    }
}
