//! The browser workspace of `bonded serve`, end to end in a real browser: Debian's Chromium,
//! headless, driven through chromedriver over WebDriver (fantoccini), against a real server
//! on the demo store with a user of each role.
//!
//! Each role signs in; a clerk uploads a movements file with one bad cell (shown against its
//! row and column, nothing written), fixes it and uploads again; the domestic sale waits for
//! review; the clerk has no approve button and the server refuses the approval anyway; a
//! reviewer approves it and the balance and the duty draft change on screen; an auditor sees no
//! write control; every page renders in Chinese and English with no missing label.
//!
//! The tests FAIL when the browser cannot start (install `chromium` and `chromium-driver`;
//! `.ci/run` does). With `BONDED_SCREENSHOTS=1` the pages' screenshots are written to
//! `docs/screenshots/` (the README shows them).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bonded_tests::{Store, Value, ACCOUNT};
use fantoccini::{Client, ClientBuilder, Locator};

/// One browser at a time: the machine is small and Chromium is not.
static BROWSER: Mutex<()> = Mutex::new(());

/// A child process killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The demo store with alice (clerk), bob (reviewer), audrey (auditor) and root (admin).
struct Demo {
    store: Store,
    tokens: Vec<(&'static str, String)>,
}

impl Demo {
    fn new() -> Demo {
        let store = Store::new();
        store.run(&["demo"]).ok();
        let mut tokens = Vec::new();
        for (name, role) in [
            ("alice", "clerk"),
            ("bob", "reviewer"),
            ("audrey", "auditor"),
            ("root", "admin"),
        ] {
            let v = store.json(&["user", "add", "--name", name, "--role", role]);
            tokens.push((name, v["token"].as_str().expect("a token").to_string()));
        }
        Demo { store, tokens }
    }

    fn token(&self, name: &str) -> &str {
        &self
            .tokens
            .iter()
            .find(|(n, _)| *n == name)
            .expect("a user")
            .1
    }

    /// `bonded serve` on a free loopback port: the process and its address.
    fn serve(&self) -> (Process, String) {
        let mut cmd = self.store.command();
        cmd.arg("--data")
            .arg(self.store.data())
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
        (Process(child), addr)
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind a free port")
        .local_addr()
        .expect("its address")
        .port()
}

/// chromedriver on a free loopback port, and a headless Chromium session through it. Panics —
/// the test fails — when either cannot start.
async fn browser(profile: &std::path::Path) -> (Process, Client) {
    let port = free_port();
    let driver = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start chromedriver ({e}): install chromium and chromium-driver \
                 (apt-get install -y chromium chromium-driver)"
            )
        });
    let driver = Process(driver);
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not listen on port {port} within 30 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium_binary(),
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                "--window-size=1200,1000",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .unwrap_or_else(|e| panic!("Chromium did not start through chromedriver: {e}"));
    (driver, client)
}

fn chromium_binary() -> String {
    for candidate in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] {
        if std::path::Path::new(candidate).exists() {
            return candidate.to_string();
        }
    }
    "chromium".to_string()
}

/// Where screenshots go: `docs/screenshots/` with `BONDED_SCREENSHOTS=1`, else nowhere.
fn screenshot_dir() -> Option<PathBuf> {
    std::env::var_os("BONDED_SCREENSHOTS")
        .filter(|v| v == "1")
        .map(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots"))
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a screenshot is a PNG");
    if let Some(dir) = screenshot_dir() {
        std::fs::create_dir_all(&dir).expect("the screenshots folder");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write the screenshot");
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

async fn text(c: &Client, css: &str) -> String {
    let url = c
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_default();
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css} on {url}: {e}"))
        .text()
        .await
        .expect("its text")
}

async fn count(c: &Client, css: &str) -> usize {
    c.find_all(Locator::Css(css)).await.expect("find_all").len()
}

async fn sign_in(c: &Client, base: &str, token: &str) {
    c.goto(&format!("{base}/app/sign-in")).await.expect("goto");
    c.find(Locator::Id("token"))
        .await
        .expect("the token field")
        .send_keys(token)
        .await
        .expect("type the token");
    c.find(Locator::Id("sign-in"))
        .await
        .expect("the button")
        .click()
        .await
        .expect("sign in");
    let signed_in = c
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Id("who"))
        .await;
    let url = c.current_url().await.expect("url");
    if signed_in.is_err() || url.path() != "/app" {
        let page = c.source().await.unwrap_or_default();
        panic!("not signed in, on {url}: {page}");
    }
    assert!(
        !url.as_str().contains(token),
        "the token never appears in a URL"
    );
}

async fn sign_out(c: &Client) {
    c.find(Locator::Id("sign-out"))
        .await
        .expect("sign out")
        .click()
        .await
        .expect("click");
    settle(c, "#token").await;
}

/// Waits for the page a click leads to: the element `css` shows it is there.
async fn settle(c: &Client, css: &str) {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} did not appear: {e}"));
}

/// The log position every page shows.
async fn log_position(c: &Client) -> u64 {
    text(c, "#log-position")
        .await
        .trim()
        .parse()
        .expect("a position")
}

/// A material's balance on the book page as of 2025-12-31.
async fn balance(c: &Client, base: &str, item: u32) -> rust_decimal::Decimal {
    c.goto(&format!("{base}/app/books/{ACCOUNT}?as_of=2025-12-31"))
        .await
        .expect("goto");
    let cell = text(c, &format!("#m-{item} td.balance")).await;
    bonded_tests::dec(cell.split_whitespace().next().expect("a figure"))
}

async fn duty_total(c: &Client, base: &str) -> rust_decimal::Decimal {
    c.goto(&format!("{base}/app/books/{ACCOUNT}/duty?month=2025-12"))
        .await
        .expect("goto");
    bonded_tests::dec(text(c, "#duty-total").await.trim())
}

/// Uploads `csv` as a movements file on the Record page.
async fn upload(c: &Client, base: &str, dir: &std::path::Path, name: &str, csv: &str) {
    upload_to(c, base, dir, name, csv.as_bytes(), None).await
}

/// Uploads `bytes` as the file `name` on the Record page, for `book` (default: the first).
async fn upload_to(
    c: &Client,
    base: &str,
    dir: &std::path::Path,
    name: &str,
    bytes: &[u8],
    book: Option<&str>,
) {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write the file");
    c.goto(&format!("{base}/app/record")).await.expect("goto");
    if let Some(book) = book {
        c.find(Locator::Id("account"))
            .await
            .expect("the book")
            .select_by_value(book)
            .await
            .expect("choose the book");
    }
    c.find(Locator::Id("file"))
        .await
        .expect("the file field")
        .send_keys(path.to_str().expect("a path"))
        .await
        .expect("choose the file");
    c.find(Locator::Id("upload-button"))
        .await
        .expect("the button")
        .click()
        .await
        .expect("upload");
    settle(c, "#refused, #recorded").await;
}

/// A plain HTTP request, for what a browser page would not send: status and body.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).expect("send");
    s.write_all(body.as_bytes()).expect("send");
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("read");
    let status = raw
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status");
    (status, raw)
}

const MOVEMENTS_HEADER: &str =
    "ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency,incoterm\n";

fn movements(sale_qty: &str) -> String {
    format!(
        "{MOVEMENTS_HEADER}\
         QD-WEB-1,1,2025-12-05,{ACCOUNT},0615,I,M,1000,1,3.8,USD,CIF\n\
         QD-WEB-1,2,2025-12-08,{ACCOUNT},0644,I,M,{sale_qty},1,,,\n"
    )
}

#[test]
fn a_bad_cell_is_shown_then_fixed_and_a_sale_approved_on_screen() {
    let _one = BROWSER.lock().unwrap_or_else(|p| p.into_inner());
    let demo = Demo::new();
    let (_server, addr) = demo.serve();
    let base = format!("http://{addr}");
    let profile = tempfile::tempdir().expect("a profile dir");
    rt().block_on(async {
        let (_driver, c) = browser(profile.path()).await;

        // A clerk uploads a file with one bad cell: shown against its row and column.
        sign_in(&c, &base, demo.token("alice")).await;
        let position_before = log_position(&c).await;
        c.goto(&format!("{base}/app?as_of=2026-01-05"))
            .await
            .expect("goto");
        assert!(text(&c, "#obligations").await.contains("2025-12"));
        shot(&c, "today").await;
        upload(&c, &base, profile.path(), "december.csv", &movements("5O")).await;
        let bad = c
            .find(Locator::Css("#file-view td.bad"))
            .await
            .expect("the bad cell is marked in the file");
        assert_eq!(
            bad.attr("data-line").await.expect("attr").as_deref(),
            Some("3")
        );
        assert_eq!(
            bad.attr("data-column").await.expect("attr").as_deref(),
            Some("qty")
        );
        let row = text(&c, "#error-lines tbody tr").await;
        assert!(
            row.starts_with("3 qty"),
            "the error names line 3, column qty: {row}"
        );
        assert_eq!(
            count(&c, "#file-view td.bad").await,
            1,
            "exactly one bad cell"
        );
        shot(&c, "record-refused").await;
        assert_eq!(
            log_position(&c).await,
            position_before,
            "nothing was written"
        );
        let (_, health) = http(&addr, "GET", "/health", &[], "");
        let events: u64 = health
            .rsplit("\r\n\r\n")
            .next()
            .and_then(|b| serde_json::from_str::<Value>(b).ok())
            .and_then(|v| v["log"]["position"].as_str().and_then(|p| p.parse().ok()))
            .expect("the API's log position");
        assert_eq!(
            events, position_before,
            "the API agrees: nothing was written"
        );

        // Fixed and uploaded again: recorded, the sale waits for review.
        upload(&c, &base, profile.path(), "december.csv", &movements("50")).await;
        assert_eq!(text(&c, "#events-written").await.trim(), "2");
        assert_eq!(count(&c, "#recorded-pending li").await, 1, "the sale waits");
        shot(&c, "record-done").await;
        c.goto(&format!("{base}/app")).await.expect("goto");
        assert!(text(&c, "#pending").await.contains("QD-WEB-1"));

        // The clerk cannot approve: no button, and the server refuses a forged one.
        c.goto(&format!("{base}/app/review")).await.expect("goto");
        assert_eq!(count(&c, "button.approve").await, 0);
        assert_eq!(count(&c, ".no-approve").await, 1);
        let section = c
            .find(Locator::Css("section.pending"))
            .await
            .expect("the pending item");
        let id = section.attr("data-id").await.expect("attr").expect("an id");
        let csrf = c
            .find(Locator::Css(
                "form[action='/app/sign-out'] input[name=csrf]",
            ))
            .await
            .expect("the csrf field")
            .attr("value")
            .await
            .expect("attr")
            .expect("a token");
        let session = c
            .get_named_cookie("bonded_session")
            .await
            .expect("the session cookie");
        assert_eq!(session.http_only(), Some(true));
        let cookie = format!("bonded_session={}", session.value());
        let form = [
            ("Cookie", cookie.as_str()),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ];
        let approve = format!("/app/review/{id}/approve");
        let (status, _) = http(&addr, "POST", &approve, &form, &format!("csrf={csrf}"));
        assert_eq!(status, 403, "a clerk may not approve");
        let (status, _) = http(&addr, "POST", &approve, &form, "");
        assert_eq!(status, 403, "a POST without the CSRF token is refused");
        sign_out(&c).await;

        // The reviewer sees what it would change, approves; the figures change on screen.
        sign_in(&c, &base, demo.token("bob")).await;
        let balance_before = balance(&c, &base, 1).await;
        let duty_before = duty_total(&c, &base).await;
        c.goto(&format!("{base}/app/review")).await.expect("goto");
        let cells = c
            .find_all(Locator::Css("section.pending .changes tbody tr td.num"))
            .await
            .expect("the balance before and after");
        assert_eq!(cells.len(), 2, "one material changes");
        let figure = |t: String| bonded_tests::dec(t.split_whitespace().next().expect("a figure"));
        let before = figure(cells[0].text().await.expect("text"));
        let after = figure(cells[1].text().await.expect("text"));
        assert_eq!(
            before - after,
            rust_decimal::Decimal::from(50),
            "the sale takes 50"
        );
        assert!(text(&c, "section.pending .duty-change")
            .await
            .contains("2025-12"));
        shot(&c, "review").await;
        c.find(Locator::Css("button.approve"))
            .await
            .expect("an approve button")
            .click()
            .await
            .expect("approve");
        settle(&c, "#flash").await;
        assert!(!text(&c, "#flash").await.is_empty());
        assert_eq!(
            balance(&c, &base, 1).await,
            balance_before - rust_decimal::Decimal::from(50),
            "the sale of 50 took effect"
        );
        shot(&c, "book").await;
        let duty_after = duty_total(&c, &base).await;
        assert!(
            duty_after > duty_before,
            "December's duty grew: {duty_before} → {duty_after}"
        );
        shot(&c, "duty").await;
        c.goto(&format!("{base}/app/books/{ACCOUNT}/items/1"))
            .await
            .expect("goto");
        assert!(text(&c, "#history").await.contains("QD-WEB-1"));
        shot(&c, "item").await;
        c.close().await.expect("close the browser");
    });
}

/// Every page a signed-in user can reach, as (name, path).
fn pages() -> Vec<(&'static str, String)> {
    vec![
        ("today", "/app".to_string()),
        ("book", format!("/app/books/{ACCOUNT}?as_of=2025-12-31")),
        ("item", format!("/app/books/{ACCOUNT}/items/1")),
        ("duty", format!("/app/books/{ACCOUNT}/duty?month=2025-12")),
        ("cycle", format!("/app/books/{ACCOUNT}/cycle")),
        ("exposure", format!("/app/books/{ACCOUNT}/exposure")),
        (
            "lists",
            format!("/app/books/{MESSAGES_BOOK}/lists?as_of=2025-12-31"),
        ),
        ("review", "/app/review".to_string()),
    ]
}

/// The demo's second book, which exchanges its lists with customs.
const MESSAGES_BOOK: &str = "E44038000002";

/// A plain HTTP GET with a session cookie: status, headers (lower-cased names) and body bytes.
fn get_bytes(addr: &str, path: &str, cookie: &str) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).expect("connect");
    let head = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nCookie: {cookie}\r\n\r\n"
    );
    s.write_all(head.as_bytes()).expect("send");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("the end of the head");
    let head = String::from_utf8_lossy(&raw[..split]).to_lowercase();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status");
    let mut body = raw[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        body = unchunk(&body);
    }
    (status, head, body)
}

/// The body of a chunked answer.
fn unchunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = raw.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&raw[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        let start = end + 2;
        out.extend_from_slice(&raw[start..start + size]);
        raw = &raw[start + size + 2..];
    }
}

/// The customs side and the rest of the paperwork in the browser: a clerk writes a list as
/// INV101 (recorded), uploads a customs receipt (recognised as one already recorded), sees a
/// bad file refused in Chinese; the workbooks, the reconciliation and the EMS121 download; a
/// reviewer rejects a sale with a reason (nothing changes); an admin files the month's duty.
#[test]
fn customs_lists_downloads_rejection_and_filing_in_the_browser() {
    let _one = BROWSER.lock().unwrap_or_else(|p| p.into_inner());
    let demo = Demo::new();
    let mut set = vec!["account", "set", "--account", ACCOUNT];
    set.extend([
        "sccd=91441900MA4W0B0X1A",
        "company_name=东莞示例电子有限公司",
        "customs_office=5204",
    ]);
    demo.store.run(&set).ok();
    let (_server, addr) = demo.serve();
    let base = format!("http://{addr}");
    let profile = tempfile::tempdir().expect("a profile dir");
    rt().block_on(async {
        let (_driver, c) = browser(profile.path()).await;
        sign_in(&c, &base, demo.token("alice")).await;

        // The lists and their stage; the returned one written again as INV101.
        c.goto(&format!(
            "{base}/app/books/{MESSAGES_BOOK}/lists?as_of=2025-12-31"
        ))
        .await
        .expect("goto");
        let returned = "#lists tr[data-ref=IMP2025120002]";
        assert_eq!(
            text(&c, &format!("{returned} td.status")).await.trim(),
            "退单"
        );
        assert!(
            text(&c, "#reconcile").await.contains("IMP2025120002"),
            "the returned list still counted is a difference"
        );
        shot(&c, "lists").await;
        let before = log_position(&c).await;
        c.find(Locator::Css(&format!("{returned} button.export")))
            .await
            .expect("the export button")
            .click()
            .await
            .expect("export");
        // The answer is a file: the page stays. The export is recorded, once.
        let mut recorded = false;
        for _ in 0..50 {
            c.goto(&format!("{base}/app/books/{MESSAGES_BOOK}/lists"))
                .await
                .expect("goto");
            if log_position(&c).await == before + 1 {
                recorded = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(recorded, "the export was recorded");

        // A receipt uploaded again is recognised: nothing applied twice.
        let receipt =
            std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(
                "../examples/customs/receipts/CUS0000E0100002025121614221800000003.INV201.xml",
            ))
            .expect("the demo's receipt");
        upload_to(
            &c,
            &base,
            profile.path(),
            "receipt.xml",
            &receipt,
            Some(MESSAGES_BOOK),
        )
        .await;
        assert_eq!(text(&c, "#message-kind").await.trim(), "INV201 receipt");
        assert_eq!(text(&c, "#events-written").await.trim(), "0");
        assert_eq!(count(&c, "#already-recorded").await, 1);

        // A bad file is refused in the page's language, with the ledger's reason.
        upload(&c, &base, profile.path(), "bad.csv", &movements("5O")).await;
        assert!(
            text(&c, "#error-kind").await.contains("输入有误"),
            "{}",
            text(&c, "#error").await
        );
        assert!(!text(&c, "#error-detail").await.trim().is_empty());

        // The workbooks and messages a clerk downloads.
        let session = c
            .get_named_cookie("bonded_session")
            .await
            .expect("the session cookie");
        let cookie = format!("bonded_session={}", session.value());
        for file in ["balance.xlsx", "duty.xlsx", "cycle.xlsx"] {
            let (status, head, body) = get_bytes(
                &addr,
                &format!("/app/books/{ACCOUNT}/download/{file}?as_of=2025-12-31"),
                &cookie,
            );
            assert_eq!(status, 200, "{file}: {head}");
            assert!(head.contains("spreadsheetml"), "{file}: {head}");
            assert!(
                head.contains(&format!("filename=\"{}-{file}\"", ACCOUNT.to_lowercase())),
                "{file}: {head}"
            );
            assert!(body.starts_with(b"PK"), "{file} is a zip archive");
        }
        let (status, head, body) = get_bytes(
            &addr,
            &format!("/app/books/{MESSAGES_BOOK}/download/reconcile.xlsx?as_of=2025-12-31"),
            &cookie,
        );
        assert_eq!(status, 200, "{head}");
        assert!(body.starts_with(b"PK"));
        let (status, head, body) = get_bytes(
            &addr,
            &format!("/app/books/{ACCOUNT}/download/ems121.xml"),
            &cookie,
        );
        assert_eq!(status, 200, "{head}: {}", String::from_utf8_lossy(&body));
        let doc = ledger_core::messages::ems121::from_xml(&body).expect("an EMS121 document");
        assert_eq!(doc.head.ems_no, ACCOUNT);
        assert!(!doc.rows.is_empty());

        // A domestic sale waits; the reviewer rejects it with a reason; nothing changes.
        upload(&c, &base, profile.path(), "sale.csv", &movements("50")).await;
        assert_eq!(count(&c, "#recorded-pending li").await, 1, "the sale waits");
        sign_out(&c).await;
        sign_in(&c, &base, demo.token("bob")).await;
        let balance_before = balance(&c, &base, 1).await;
        c.goto(&format!("{base}/app/review")).await.expect("goto");
        c.find(Locator::Css("section.pending input[name=reason]"))
            .await
            .expect("the reason")
            .send_keys("数量与合同不符")
            .await
            .expect("type the reason");
        c.find(Locator::Css("button.reject"))
            .await
            .expect("a reject button")
            .click()
            .await
            .expect("reject");
        settle(&c, "#flash").await;
        assert_eq!(text(&c, "#flash").await.trim(), "已驳回。");
        assert_eq!(count(&c, "section.pending").await, 0, "nothing waits");
        assert_eq!(
            balance(&c, &base, 1).await,
            balance_before,
            "the sale never applied"
        );
        sign_out(&c).await;

        // The admin files December's duty: the page then shows it filed.
        sign_in(&c, &base, demo.token("root")).await;
        c.goto(&format!("{base}/app/books/{ACCOUNT}/duty?month=2025-12"))
            .await
            .expect("goto");
        assert_eq!(count(&c, "#duty-status .draft").await, 1);
        c.find(Locator::Id("file-button"))
            .await
            .expect("the file button")
            .click()
            .await
            .expect("file");
        settle(&c, "#duty-status .done").await;
        assert!(text(&c, "#duty-status").await.contains("已申报"));
        assert_eq!(count(&c, "#file-button").await, 0, "filed once");
        c.close().await.expect("close the browser");
    });
}

#[test]
fn every_role_signs_in_and_an_auditor_sees_no_write_control() {
    let _one = BROWSER.lock().unwrap_or_else(|p| p.into_inner());
    let demo = Demo::new();
    let (_server, addr) = demo.serve();
    let base = format!("http://{addr}");
    let profile = tempfile::tempdir().expect("a profile dir");
    rt().block_on(async {
        let (_driver, c) = browser(profile.path()).await;
        c.goto(&format!("{base}/app")).await.expect("goto");
        assert_eq!(c.current_url().await.expect("url").path(), "/app/sign-in");
        shot(&c, "sign-in").await;

        for (name, role) in [
            ("alice", "录入员"),
            ("bob", "复核人"),
            ("root", "管理员"),
            ("audrey", "审计员"),
        ] {
            sign_in(&c, &base, demo.token(name)).await;
            let who = text(&c, "#who").await;
            assert!(who.contains(name) && who.contains(role), "{who}");
            assert!(!text(&c, "#head-hash").await.trim().is_empty());
            if name == "root" {
                c.goto(&format!("{base}/app/books/{ACCOUNT}/duty?month=2025-12"))
                    .await
                    .expect("goto");
                assert_eq!(
                    count(&c, "#file-button").await,
                    1,
                    "an admin files the draft"
                );
            }
            if name != "audrey" {
                sign_out(&c).await;
            }
        }

        // The auditor: every page, in both languages, and not one write control.
        for (page, path) in pages() {
            for lang in ["zh", "en"] {
                let sep = if path.contains('?') { '&' } else { '?' };
                c.goto(&format!("{base}{path}{sep}lang={lang}"))
                    .await
                    .expect("goto");
                let html = c.source().await.expect("the page");
                assert!(
                    html.contains(if lang == "zh" {
                        "lang=\"zh-CN\""
                    } else {
                        "lang=\"en\""
                    }),
                    "{page} in {lang}"
                );
                assert!(
                    !html.contains(">?<"),
                    "{page} in {lang}: a label is missing"
                );
                assert!(
                    html.contains(if lang == "zh" {
                        "日志位置"
                    } else {
                        "Log position"
                    }),
                    "{page} in {lang}: the audit footer"
                );
                let posts = c
                    .find_all(Locator::Css("form[method=post]"))
                    .await
                    .expect("forms");
                assert_eq!(posts.len(), 1, "{page}: an auditor's only form is sign out");
                assert_eq!(
                    count(&c, "#nav-record").await,
                    0,
                    "{page}: no Record for an auditor"
                );
                assert_eq!(
                    count(&c, "button.approve, button.reject, #file-button, #upload").await,
                    0
                );
                if lang == "en"
                    && page != "today"
                    && page != "book"
                    && page != "duty"
                    && page != "review"
                    && page != "item"
                {
                    shot(&c, page).await;
                }
            }
        }
        c.goto(&format!("{base}/app/record")).await.expect("goto");
        assert!(text(&c, "#error").await.contains("auditor"));
        c.goto(&format!("{base}/app?lang=zh")).await.expect("goto");
        shot(&c, "today-auditor-zh").await;
        c.close().await.expect("close the browser");
    });
}

#[test]
fn pages_carry_the_security_headers_and_forms_need_their_token() {
    // No browser needed: the headers of every answer, and a sign-in without its token.
    let demo = Demo::new();
    let (_server, addr) = demo.serve();
    for path in ["/app/sign-in", "/app/static/style.css", "/app"] {
        let (_, raw) = http(&addr, "GET", path, &[], "");
        let head = raw
            .split("\r\n\r\n")
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        for needle in [
            "content-security-policy: default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
            "x-content-type-options: nosniff",
            "referrer-policy: no-referrer",
            "x-frame-options: deny",
        ] {
            assert!(head.contains(needle), "{path}: {needle}\n{head}");
        }
    }
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let body = format!("token={}", demo.token("alice"));
    let (status, _) = http(&addr, "POST", "/app/sign-in", &form, &body);
    assert_eq!(status, 403, "a sign-in without its form token is refused");
    let (status, raw) = http(
        &addr,
        "POST",
        "/app/sign-in",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", "bonded_pre=abc"),
        ],
        &format!("{body}&csrf=abc"),
    );
    assert_eq!(status, 303, "{raw}");
    let cookie = raw
        .lines()
        .find(|l| {
            l.to_ascii_lowercase()
                .starts_with("set-cookie: bonded_session=")
        })
        .expect("the session cookie");
    assert!(
        cookie.contains("HttpOnly; SameSite=Strict; Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain HTTP: no Secure");
    let (_, raw) = http(
        &addr,
        "POST",
        "/app/sign-in",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", "bonded_pre=abc"),
            ("X-Forwarded-Proto", "https"),
        ],
        &format!("{body}&csrf=abc"),
    );
    assert!(
        raw.contains("; Secure"),
        "behind a TLS proxy the cookie is Secure"
    );
}
