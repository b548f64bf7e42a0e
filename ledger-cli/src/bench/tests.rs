use super::table::scale_note;
use super::*;

#[test]
fn a_smaller_run_says_what_the_targets_are_set_for() {
    let note = scale_note(20_000).expect("a note under a 20,000-event run");
    assert!(note.contains("1,000,000 events"), "{note}");
    assert_eq!(scale_note(targets::EVENTS), None);
    assert_eq!(scale_note(2_000_000), None);
}
