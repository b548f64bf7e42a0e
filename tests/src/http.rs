//! A `bonded serve` process and a small blocking HTTP/1.1 client for it, for the end-to-end
//! tests that run servers (serve_books.rs, serve_postgres.rs).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// A server process; killed when dropped.
pub struct Served {
    child: Child,
    pub addr: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An answer: the status, the body as text, and as JSON when it is JSON.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub text: String,
    pub json: Value,
    /// The `Set-Cookie` headers' `name=value` parts.
    pub cookies: Vec<String>,
    pub location: Option<String>,
}

impl Reply {
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "reply: {}", self.text);
        self
    }

    pub fn error(&self) -> String {
        self.json["error"].as_str().unwrap_or_default().to_string()
    }
}

impl Served {
    /// Starts `cmd` (a `bonded … serve --listen 127.0.0.1:0`); the first line it prints says
    /// the port.
    pub fn start(mut cmd: Command) -> Served {
        cmd.stdout(Stdio::piped()).stderr(Stdio::null());
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
        Served { child, addr }
    }

    /// One request on its own connection: `headers` are extra `Name: value` lines.
    pub fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        let mut stream = TcpStream::connect(&self.addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .expect("timeout");
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).expect("send head");
        stream.write_all(body).expect("send body");
        read_reply(stream)
    }

    /// A request with a bearer token and, when there is a body, its content type.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: &str,
    ) -> Reply {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers: Vec<(&str, &str)> = Vec::new();
        if let Some(a) = &auth {
            headers.push(("Authorization", a));
        }
        if let Some(t) = content_type {
            headers.push(("Content-Type", t));
        }
        self.send(method, path, &headers, body.as_bytes())
    }

    pub fn get(&self, path: &str, token: &str) -> Reply {
        self.call("GET", path, Some(token), None, "")
    }

    pub fn post_json(&self, path: &str, token: &str, body: &Value) -> Reply {
        self.call(
            "POST",
            path,
            Some(token),
            Some("application/json"),
            &body.to_string(),
        )
    }

    pub fn post_csv(&self, path: &str, token: &str, body: &str) -> Reply {
        self.call("POST", path, Some(token), Some("text/csv"), body)
    }
}

fn read_reply(mut stream: TcpStream) -> Reply {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the reply");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut body = raw[split + 4..].to_vec();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    let mut cookies = Vec::new();
    let mut location = None;
    let mut chunked = false;
    for line in head.lines().skip(1) {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim().to_ascii_lowercase();
        let value = value.trim();
        match name.as_str() {
            "set-cookie" => cookies.push(value.split(';').next().unwrap_or("").to_string()),
            "location" => location = Some(value.to_string()),
            "transfer-encoding" if value.eq_ignore_ascii_case("chunked") => chunked = true,
            _ => {}
        }
    }
    if chunked {
        body = dechunk(&body);
    }
    let text = String::from_utf8_lossy(&body).into_owned();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        text,
        json,
        cookies,
        location,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let Ok(size) = usize::from_str_radix(String::from_utf8_lossy(&data[..end]).trim(), 16)
        else {
            return out;
        };
        if size == 0 || data.len() < end + 2 + size {
            return out;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[(end + 2 + size + 2).min(data.len())..];
    }
}
