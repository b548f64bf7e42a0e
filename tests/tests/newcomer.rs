//! A newcomer's first hour, the words and papers: a store held by `bonded serve` named with its
//! address (and `--wait`), notes where there were none, failures that leave nothing behind,
//! tables that fit the terminal, CSV for Excel, and the iCalendar file.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use bonded_tests::{book, run_command, Store, ACCOUNT};

/// `bonded serve` on a random loopback port; killed when dropped.
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

fn serve(s: &Store) -> Server {
    let mut child = s
        .command()
        .arg("--data")
        .arg(s.data())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start bonded serve");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("read the first line");
    let addr = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_string();
    Server { child, addr }
}

/// Stops a server as Ctrl-C would (SIGTERM), so it removes its file.
fn terminate(server: &mut Server) {
    let pid = server.child.id().to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(status.success());
    let _ = server.child.wait();
}

#[test]
fn a_store_served_names_the_server_and_its_address_and_wait_waits_for_it() {
    let s = book();
    let mut server = serve(&s);
    let pid = server.child.id();
    let file = s.data().join("serve.addr");
    let text = std::fs::read_to_string(&file).expect("bonded serve wrote serve.addr");
    assert_eq!(text, format!("{pid}\n{}\n", server.addr));

    let out = s.run(&["balance", "--account", ACCOUNT]);
    out.expect(1)
        .stderr_has(&format!(
            "in use by `bonded serve` (process {pid}) at {}",
            server.addr
        ))
        .stderr_has("/books/")
        .stderr_has("or stop it");

    // --wait 5: the server stops after a second, the balance then goes through.
    let mut cmd = s.command();
    cmd.arg("--data")
        .arg(s.data())
        .args([
            "--actor",
            "tester",
            "--wait",
            "5",
            "balance",
            "--account",
            ACCOUNT,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let waiting = cmd.spawn().expect("start the waiting bonded");
    std::thread::sleep(Duration::from_secs(1));
    terminate(&mut server);
    let out = waiting.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "--wait 5 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(String::from_utf8_lossy(&out.stdout).contains("material balances"));
    assert!(
        !file.exists(),
        "serve.addr is left after the server stopped"
    );

    // BONDED_WAIT says the same; with nothing holding the store it opens at once.
    let mut cmd = s.command();
    cmd.arg("--data")
        .arg(s.data())
        .env("BONDED_WAIT", "1")
        .args(["balance", "--account", ACCOUNT]);
    assert_eq!(run_command(cmd).code, 0);
}

#[test]
fn a_balance_before_the_book_opened_says_so() {
    let s = book();
    let out = s.run(&["balance", "--account", ACCOUNT, "--as-of", "2024-06-30"]);
    out.ok().stderr_has(&format!(
        "book {ACCOUNT} opens on 2025-01-01; nothing is on it before"
    ));
    let out = s.run(&["balance", "--account", ACCOUNT, "--as-of", "2025-06-30"]);
    out.ok();
    assert!(!out.stderr.contains("opens on"), "{}", out.stderr);
}

#[test]
fn an_unknown_actor_is_warned_of_once() {
    let s = Store::new();
    let mut cmd = s.command();
    cmd.arg("--data")
        .arg(s.data())
        .env_remove("USER")
        .env_remove("USERNAME")
        .arg("init");
    let out = run_command(cmd);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stderr.matches("no actor known").count(),
        1,
        "{}",
        out.stderr
    );
    // With a user, no warning.
    let mut cmd = s.command();
    cmd.arg("--data").arg(s.data()).env("USER", "li").args([
        "carry-over",
        "declare",
        "--account",
        ACCOUNT,
        "--month",
        "2025-01",
        "--date",
        "2025-02-01",
    ]);
    let out = run_command(cmd);
    assert!(!out.stderr.contains("no actor known"), "{}", out.stderr);
}

#[test]
fn a_failed_restore_leaves_nothing_and_the_retry_works() {
    let s = book();
    let export = s.run(&["export"]);
    export.ok();
    let lines: Vec<&str> = export.stdout.lines().collect();
    // A damaged export: a hash of the middle record changed.
    let mut damaged: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let mid = damaged.len() / 2;
    let mut v: serde_json::Value = serde_json::from_str(&damaged[mid]).expect("json");
    let o = v.as_object_mut().expect("object");
    let key = if o.contains_key("hash") {
        "hash"
    } else {
        "payload"
    };
    o.insert(key.into(), serde_json::json!("0".repeat(64)));
    damaged[mid] = v.to_string();
    s.write("damaged.jsonl", damaged.join("\n") + "\n");
    s.write("good.jsonl", lines.join("\n") + "\n");

    let target = s.path("restored");
    let mut cmd = s.command();
    cmd.arg("--data")
        .arg(&target)
        .args(["restore", "damaged.jsonl"]);
    let out = run_command(cmd);
    assert_ne!(out.code, 0, "a damaged export was restored: {}", out.stdout);
    assert!(
        !target.exists(),
        "the failed restore left {}",
        target.display()
    );

    let mut cmd = s.command();
    cmd.arg("--data")
        .arg(&target)
        .args(["restore", "good.jsonl"]);
    let out = run_command(cmd);
    assert_eq!(out.code, 0, "the retry was refused: {}", out.stderr);
}

#[test]
fn a_row_with_too_many_cells_hides_no_other_error() {
    let s = book();
    let csv = "ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency\n\
        A,1,2025-02-01,E44038000001,0615,I,M,7,2,0.1,USD,extra\n\
        A,2,2025-02-01,E44038000001,0615,I,M,12x5,2,0.1,USD\n\
        A,3,2025-02-31,E44038000001,0615,I,M,1,2,0.1,USD\n";
    let out = s.load(&[("movements.csv", csv)]);
    out.expect(2);
    let lines = out.stderr_lines_starting("movements.csv:");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("movements.csv:2:") && l.contains("cells")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("movements.csv:3:") && l.contains("qty")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("movements.csv:4:") && l.contains("date")),
        "{lines:?}"
    );
}

/// The demo's store (a year of a real-looking book).
fn demo() -> Store {
    let s = Store::new();
    s.run(&["demo"]).ok();
    s
}

#[test]
fn the_calendar_is_folded_stamped_now_sequenced_and_titled_in_both_languages() {
    let s = demo();
    let before = chrono_now_stamp();
    let out = s.run(&[
        "deadlines",
        "--account",
        ACCOUNT,
        "--as-of",
        "2025-12-31",
        "--format",
        "ics",
    ]);
    out.ok();
    let after = chrono_now_stamp();
    let text = &out.stdout;
    for line in text.split("\r\n").filter(|l| !l.is_empty()) {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
    assert!(!text.replace("\r\n", "").contains('\n'), "a bare LF");
    let unfolded = text.replace("\r\n ", "");
    let stamps: Vec<&str> = unfolded
        .lines()
        .filter_map(|l| l.strip_prefix("DTSTAMP:"))
        .map(str::trim)
        .collect();
    assert!(!stamps.is_empty());
    for st in &stamps {
        assert!(st.len() == 16 && st.ends_with('Z'), "{st}");
        assert!(
            *st >= before.as_str() && *st <= after.as_str(),
            "{st} not between {before} and {after}"
        );
    }
    assert!(unfolded.lines().any(|l| l.starts_with("SEQUENCE:")));
    assert!(
        unfolded.contains("SUMMARY:内销征税申报 Domestic-sales duty 2025-12"),
        "{unfolded}"
    );
    let summaries: Vec<&str> = unfolded
        .lines()
        .filter(|l| l.starts_with("SUMMARY:"))
        .collect();
    for sm in summaries {
        assert!(!sm.contains('_') && !sm.contains(ACCOUNT), "{sm}");
    }
}

/// Now as an iCalendar UTC stamp.
fn chrono_now_stamp() -> String {
    chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string()
}

#[test]
fn csv_to_a_file_has_a_bom_for_excel_and_to_stdout_none_with_footers_as_comments() {
    let s = demo();
    for args in [
        vec!["balance", "--account", ACCOUNT, "--as-of", "2025-12-31"],
        vec!["duty", "--account", ACCOUNT, "--month", "2025-12"],
        vec!["cycle", "report", "--account", ACCOUNT],
        vec!["declare", "annual", "--account", ACCOUNT, "--year", "2025"],
    ] {
        let mut with = args.clone();
        with.extend(["--format", "csv"]);
        let stdout = s.run(&with);
        stdout.ok();
        assert!(
            !stdout.stdout.starts_with('\u{feff}'),
            "{args:?}: a BOM on stdout"
        );
        let mut to_file = with.clone();
        to_file.extend(["--out", "report.csv"]);
        s.run(&to_file).ok();
        let bytes = std::fs::read(s.path("report.csv")).expect("the file --out names");
        assert!(
            bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
            "{args:?}: no BOM in the file"
        );
        assert_eq!(&bytes[3..], stdout.stdout.as_bytes(), "{args:?}");
        // Every line is a data row as wide as the header, or a comment.
        let lines: Vec<&str> = stdout.stdout.lines().collect();
        let width = lines[0].split(',').count();
        for l in &lines[1..] {
            assert!(
                l.starts_with('#') || l.split(',').count() == width,
                "{args:?}: {l}"
            );
            assert!(
                !l.starts_with("TOTAL") && !l.starts_with("log_position"),
                "{l}"
            );
        }
        assert!(lines
            .last()
            .is_some_and(|l| l.starts_with("# log_position,")));
        // json to a file is the json of stdout.
        let mut json = args.clone();
        json.extend(["--format", "json", "--out", "report.json"]);
        s.run(&json).ok();
        let written: serde_json::Value =
            serde_json::from_slice(&std::fs::read(s.path("report.json")).expect("json file"))
                .expect("json");
        assert!(written.get("log").is_some(), "{args:?}");
    }
}

#[test]
fn the_duty_csv_has_exact_short_unit_values_and_both_totals() {
    let s = demo();
    let out = s.run(&[
        "duty",
        "--account",
        ACCOUNT,
        "--month",
        "2025-12",
        "--format",
        "csv",
    ]);
    out.ok();
    let lines: Vec<&str> = out.stdout.lines().collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let uv = header
        .iter()
        .position(|h| *h == "unit_value")
        .expect("unit_value");
    let json = s.json(&["duty", "--account", ACCOUNT, "--month", "2025-12"]);
    for (row, line) in lines[1..]
        .iter()
        .filter(|l| !l.starts_with('#'))
        .zip(json["lines"].as_array().expect("lines"))
    {
        let cell = row.split(',').nth(uv).expect("cell");
        assert!(
            cell.len() < 20 && !(cell.contains('.') && cell.ends_with('0')),
            "{cell}"
        );
        let exact: rust_decimal::Decimal = line["unit_value"]
            .as_str()
            .expect("str")
            .parse()
            .expect("dec");
        assert_eq!(cell.parse::<rust_decimal::Decimal>().expect("dec"), exact);
    }
    let computed = lines
        .iter()
        .find(|l| l.starts_with("# computed,"))
        .expect("computed");
    let levied = lines
        .iter()
        .find(|l| l.starts_with("# levied,"))
        .expect("levied");
    let duty = header.iter().position(|h| *h == "duty").expect("duty");
    assert_eq!(
        computed.split(',').nth(duty),
        json["computed"]["duty"].as_str()
    );
    assert_eq!(levied.split(',').nth(duty), json["totals"]["duty"].as_str());
    assert_ne!(
        computed.split(',').nth(duty),
        levied.split(',').nth(duty),
        "the demo's duty is under 50: computed and levied differ"
    );
}

#[test]
fn formats_and_out_a_command_does_not_write_are_refused() {
    let s = demo();
    s.run(&["export", "--format", "csv"])
        .expect(2)
        .stderr_has("export");
    s.run(&["export", "--format", "json"]).ok();
    s.run(&["init", "--format", "json"]).expect(2);
    s.run(&[
        "cycle",
        "close",
        "--account",
        ACCOUNT,
        "--date",
        "2026-01-20",
        "--format",
        "csv",
    ])
    .expect(2);
    s.run(&["approve", "x", "--format", "csv"]).expect(2);
    s.run(&["deadlines", "--account", ACCOUNT, "--out", "x.csv"])
        .expect(2);
    s.run(&["exposure", "--account", ACCOUNT, "--out", "x.csv"])
        .expect(2);
    s.run(&["balance", "--account", ACCOUNT, "--format", "ics"])
        .expect(2);
    assert!(!s.path("x.csv").exists());
}

/// Columns a line takes on a terminal: a CJK character two.
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if ('\u{2E80}'..='\u{FFE6}').contains(&c) {
                2
            } else {
                1
            }
        })
        .sum()
}

#[test]
fn a_balance_fits_an_80_column_terminal_and_names_the_columns_left_out() {
    let s = demo();
    let mut cmd = s.command();
    cmd.arg("--data").arg(s.data()).env("COLUMNS", "80").args([
        "balance",
        "--account",
        ACCOUNT,
        "--as-of",
        "2025-12-31",
    ]);
    let out = run_command(cmd);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for line in out.stdout.lines() {
        assert!(
            display_width(line) <= 80,
            "{} wide: {line}",
            display_width(line)
        );
    }
    let text = out.stdout.replace("\n  ", " ");
    let note = text
        .lines()
        .find(|l| l.starts_with("columns left out to fit 80 columns:"))
        .unwrap_or_else(|| panic!("no note:\n{}", out.stdout));
    for col in ["opening", "carried_in", "carried_out"] {
        assert!(note.contains(col), "{note}");
    }
    let header = text.lines().find(|l| l.contains("item ┆")).expect("header");
    assert!(
        header.contains("balance") && !header.contains("opening"),
        "{header}"
    );
    // No trailing zeros in the table; a wide terminal shows every column.
    assert!(!text.contains(".000 "), "{text}");
    let mut cmd = s.command();
    cmd.arg("--data").arg(s.data()).env("COLUMNS", "300").args([
        "balance",
        "--account",
        ACCOUNT,
        "--as-of",
        "2025-12-31",
    ]);
    let wide = run_command(cmd);
    assert!(wide.stdout.contains("carried_in") && !wide.stdout.contains("left out"));
}
