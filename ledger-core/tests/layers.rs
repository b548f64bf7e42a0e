//! The layers of `ledger-core` only look down (docs/ARCHITECTURE.md): a file in one folder may
//! name only its own folder and the folders below it. This test reads the sources and fails
//! with every upward reference, so a circle across two folders cannot come back unnoticed.

use std::path::{Path, PathBuf};

/// Bottom first.
const LADDER: [&str; 6] = ["model", "messages", "events", "state", "reports", "decide"];

fn allowed(from: &str, to: &str) -> bool {
    if from == to {
        return true;
    }
    let rank = |l: &str| LADDER.iter().position(|x| *x == l);
    match (rank(from), rank(to)) {
        (Some(a), Some(b)) => b < a,
        _ => false,
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read the source folder") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The layers a source text names as `crate::LAYER`, up to its tests: a test may build its
/// state by deciding commands, whatever layer it tests.
fn named_layers(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim() == "#[cfg(test)]" {
            break;
        }
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            out.push((n + 1, name));
        }
    }
    out
}

#[test]
fn imports_only_go_down_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut upward = Vec::new();
    let mut seen_layers = std::collections::BTreeSet::new();
    for file in &files {
        let rel = file.strip_prefix(&src).expect("under src");
        let Some(layer) = rel.components().next().and_then(|c| c.as_os_str().to_str()) else {
            continue;
        };
        if rel.components().count() < 2 {
            continue; // lib.rs: the crate root wires the layers together
        }
        if rel.to_string_lossy().ends_with("tests.rs") {
            continue; // a test file (see `named_layers`)
        }
        seen_layers.insert(layer.to_string());
        let text = std::fs::read_to_string(file).expect("read a source file");
        for (line, to) in named_layers(&text) {
            if !allowed(layer, &to) {
                upward.push(format!("{}:{line}: {layer} uses {to}", rel.display()));
            }
        }
    }
    for layer in LADDER {
        assert!(
            seen_layers.contains(layer),
            "no folder for the layer {layer}"
        );
    }
    assert!(
        upward.is_empty(),
        "imports that go up the layers:\n{}",
        upward.join("\n")
    );
}

#[test]
fn the_rule_itself() {
    assert!(allowed("decide", "reports"));
    assert!(allowed("state", "events"));
    assert!(allowed("events", "model"));
    assert!(!allowed("model", "events"));
    assert!(!allowed("state", "decide"));
    assert!(!allowed("reports", "decide"));
    assert!(allowed("messages", "model"));
    assert!(allowed("events", "messages"));
    assert!(!allowed("messages", "state"));
    assert!(!allowed("model", "messages"));
    assert!(!allowed("model", "elsewhere"));
    assert_eq!(
        named_layers("use crate::model::ids; // crate::decide\nx(crate::state::y)\n#[cfg(test)]\nuse crate::decide;"),
        vec![(1, "model".to_string()), (2, "state".to_string())]
    );
}
