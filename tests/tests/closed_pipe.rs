//! A report piped into a reader that stops early (`bonded export | head`) ends `bonded`
//! quietly: no panic, no backtrace, no error message.

use std::io::Read;
use std::process::Stdio;

use bonded_tests::{book, ACCOUNT};

#[test]
fn a_reader_that_stops_early_ends_bonded_quietly() {
    let s = book();
    let mut imports =
        String::from("ref,line,date,account,mode,dir,goods,qty,item,unit_price,currency\n");
    for i in 0..3_000 {
        imports.push_str(&format!(
            "PIPE{},{},2025-03-{:02},{ACCOUNT},0615,I,M,10,1,1.5,USD\n",
            i / 20,
            i % 20 + 1,
            i % 28 + 1
        ));
    }
    s.load_ok(&[("imports.csv", &imports)]);
    // The export is far larger than a pipe holds, so bonded is still writing when the reader
    // goes away.
    let mut child = s
        .command()
        .arg("--data")
        .arg(s.data())
        .arg("export")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start bonded export");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 4096];
    stdout.read_exact(&mut first).expect("the export starts");
    drop(stdout);
    let out = child.wait_with_output().expect("bonded ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "stderr: {stderr}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        // Ended by the signal, as `cat` or `grep` would be (or done before it came).
        assert!(
            out.status.signal() == Some(13) || out.status.success(),
            "{:?}",
            out.status
        );
    }
}
