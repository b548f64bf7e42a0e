//! Test-only: a PostgreSQL server for the tests of `PgLog`, and a fresh, empty schema in it
//! for each test (so tests run in parallel without seeing each other's tables).
//!
//! The server is, in this order:
//! 1. the one `BONDED_TEST_POSTGRES` names (a URL whose role may create schemas; `.ci/run`
//!    sets it up on the machine's own cluster);
//! 2. else a private cluster this process makes with PostgreSQL's own `initdb` and `pg_ctl`
//!    (Debian's `postgresql` package: `/usr/lib/postgresql/<version>/bin`) in a temporary
//!    directory, listening on a Unix socket there only; it is stopped and removed when the
//!    test process ends (a watcher process waits for it). As root the cluster runs as the
//!    `postgres` user, since PostgreSQL refuses to run as root;
//! 3. else the tests fail, saying how to get one. They never skip.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// The environment variable naming the test server.
pub const ENV: &str = "BONDED_TEST_POSTGRES";

static SERVER: OnceLock<Result<String, String>> = OnceLock::new();
static NEXT: AtomicU64 = AtomicU64::new(0);

/// The URL of the test server (see the module docs); panics, saying how to get one, when there is none.
pub fn server_url() -> String {
    match SERVER.get_or_init(find_server) {
        Ok(url) => url.clone(),
        Err(why) => panic!(
            "the PostgreSQL tests need a server and found none: {why}.\n\
             Either install PostgreSQL (Debian: `apt-get install -y postgresql`: the tests then start a \
             private cluster with its initdb), or run `bash .ci/run`, or set {ENV} to a URL such as \
             postgres://bonded:bonded@127.0.0.1/bonded_test whose role may create schemas."
        ),
    }
}

/// A URL of the test server whose connections use a new, empty schema of their own.
pub fn fresh_url() -> String {
    let base = server_url();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let schema = format!("bonded_t_{}_{n}", std::process::id());
    let mut client = postgres::Client::connect(&base, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to the test server {base}: {e}"));
    client
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .unwrap_or_else(|e| panic!("cannot create schema {schema} on the test server: {e}"));
    with_schema(&base, &schema)
}

/// `url` with its connections' `search_path` set to `schema`.
pub fn with_schema(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-csearch_path%3D{schema}")
}

/// Runs SQL on the schema of `url` (a URL from `fresh_url`): damage for the integrity tests.
pub fn execute(url: &str, sql: &str) {
    let mut client = postgres::Client::connect(url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to the test server: {e}"));
    client
        .batch_execute(sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn find_server() -> Result<String, String> {
    if let Ok(url) = std::env::var(ENV) {
        if !url.trim().is_empty() {
            drop_stale_schemas(&url);
            return Ok(url);
        }
    }
    let bin = pg_bin_dir().ok_or_else(|| {
        format!("{ENV} is not set and PostgreSQL's initdb was not found (in /usr/lib/postgresql/*/bin or on PATH)")
    })?;
    start_private_cluster(&bin)
}

/// Removes the schemas earlier test processes left on a shared server (named after their
/// process, which is gone).
fn drop_stale_schemas(url: &str) {
    let Ok(mut client) = postgres::Client::connect(url, postgres::NoTls) else {
        return;
    };
    let Ok(rows) = client.query(
        "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bonded\\_t\\_%'",
        &[],
    ) else {
        return;
    };
    for row in rows {
        let name: String = row.get(0);
        let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| Path::new(&format!("/proc/{p}")).exists());
        if !alive {
            let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"));
        }
    }
}

fn pg_bin_dir() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|bin| bin.join("initdb").is_file())
        .collect();
    found.sort();
    if let Some(bin) = found.pop() {
        return Some(bin);
    }
    let out = Command::new("pg_config").arg("--bindir").output().ok()?;
    let bin = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    bin.join("initdb").is_file().then_some(bin)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A command of the cluster's, run as `postgres` when we are root.
fn as_owner(root: bool, program: &Path) -> Command {
    if root {
        let mut c = Command::new("runuser");
        c.arg("-u").arg("postgres").arg("--").arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn start_private_cluster(bin: &Path) -> Result<String, String> {
    let root = is_root();
    let dir = std::env::temp_dir().join(format!(
        "bonded-pg-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    if root {
        let status = Command::new("chown")
            .arg("postgres:postgres")
            .arg(&dir)
            .status()
            .map_err(|e| format!("chown of {}: {e}", dir.display()))?;
        if !status.success() {
            return Err(format!(
                "as root the private cluster runs as user postgres, but `chown postgres {}` failed",
                dir.display()
            ));
        }
    }
    let data = dir.join("data");
    let run = |mut c: Command, what: &str| -> Result<(), String> {
        let out = c.output().map_err(|e| format!("{what}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{what} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    };
    let mut initdb = as_owner(root, &bin.join("initdb"));
    initdb.arg("-D").arg(&data).args([
        "-U",
        "bonded",
        "--auth=trust",
        "--no-sync",
        "-E",
        "UTF8",
        "--locale=C",
    ]);
    run(initdb, "initdb")?;
    let mut start = as_owner(root, &bin.join("pg_ctl"));
    start
        .arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(dir.join("log"))
        .arg("-w")
        .arg("-o")
        .arg(format!(
            "-k {} -c listen_addresses='' -c max_connections=200 -c fsync=on",
            dir.display()
        ))
        .arg("start");
    run(start, "pg_ctl start")?;
    // Stops the cluster and removes it once this process has ended.
    let pg_ctl = bin.join("pg_ctl");
    let stop = if root {
        format!(
            "runuser -u postgres -- {} -D {} stop -m immediate",
            pg_ctl.display(),
            data.display()
        )
    } else {
        format!(
            "{} -D {} stop -m immediate",
            pg_ctl.display(),
            data.display()
        )
    };
    let watcher = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf {dir}",
        pid = std::process::id(),
        dir = dir.display()
    );
    Command::new("sh")
        .arg("-c")
        .arg(watcher)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("starting the cluster's watcher: {e}"))?;
    let host = dir.display().to_string().replace('/', "%2F");
    Ok(format!("postgres://bonded@{host}/postgres"))
}
