//! A byte flipped in sled's own data file (`db`), wherever it falls: `bonded verify` exits 4
//! with a sentence a person reads (or 0 where the byte was in unused space), never 101 (a
//! panic) and never sled's raw text.

use bonded_tests::Store;

#[test]
fn a_flipped_byte_in_the_data_file_is_an_integrity_failure_or_harmless() {
    let s = Store::init();
    let mut fx = String::from("month,currency,cny_per_unit\n");
    for y in 2020..2026 {
        for m in 1..=12 {
            fx.push_str(&format!("{y}-{m:02},USD,7.{m}\n"));
        }
    }
    s.load(&[("fx.csv", &fx)]).ok();
    let db = s.data().join("db");
    let pristine = std::fs::read(&db).expect("the data file");
    let len = pristine.len();
    assert!(
        len > 1000,
        "a small store still has a data file: {len} bytes"
    );
    // Offsets over the whole file, denser where sled keeps its header and first pages.
    let mut offsets: Vec<usize> = vec![0, 5, 20, 37, 111, 148, 259, 407, 555, 1000];
    offsets.extend((1..=8).map(|k| len * k / 9));
    offsets.push(len - 5);
    let mut fours = 0;
    for off in offsets {
        let mut bytes = pristine.clone();
        bytes[off] ^= 0xFF;
        std::fs::write(&db, &bytes).expect("write the damaged file");
        let out = s.run(&["verify"]);
        assert!(
            out.code == 0 || out.code == 4,
            "byte {off}: verify exited {} (want 4, or 0 for unused space)\n{}",
            out.code,
            out.stderr
        );
        if out.code == 4 {
            fours += 1;
            assert!(
                !out.stderr.contains("sled") && !out.stderr.contains("panicked"),
                "byte {off}: the message shows the engine's raw text:\n{}",
                out.stderr
            );
            assert!(
                out.stderr.contains("damaged") || out.stderr.contains("corrupt"),
                "byte {off}: the message does not say the store is damaged:\n{}",
                out.stderr
            );
        }
        std::fs::write(&db, &pristine).expect("restore the file");
    }
    assert!(fours > 0, "no flipped byte was found at all");
}
