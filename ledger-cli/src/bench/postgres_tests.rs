use super::*;

#[test]
fn a_database_url_names_the_new_database_and_drops_the_search_path() {
    assert_eq!(
        database_url(
            "postgres://u:p@h:5432/app?options=-csearch_path%3Dx&sslmode=disable",
            "b1"
        ),
        "postgres://u:p@h:5432/b1?sslmode=disable"
    );
    assert_eq!(database_url("postgres://u@h", "b2"), "postgres://u@h/b2");
    assert_eq!(
        database_url("postgres://bonded@%2Ftmp%2Fpg/postgres", "b3"),
        "postgres://bonded@%2Ftmp%2Fpg/b3"
    );
}

#[test]
fn a_schema_url_sets_the_search_path_once() {
    assert_eq!(
        schema_url("postgres://u@h/app?options=-csearch_path%3Dx", "s1"),
        "postgres://u@h/app?options=-csearch_path%3Ds1"
    );
    assert_eq!(
        schema_url("postgres://u@h/app", "s2"),
        "postgres://u@h/app?options=-csearch_path%3Ds2"
    );
}

/// The raw INSERT baseline writes exactly the batch's rows, one transaction per batch: a
/// batch that breaks the key leaves nothing of itself, and the batches before it stay.
/// Needs the test server (`BONDED_TEST_POSTGRES`); fails without it.
#[test]
fn the_raw_insert_writes_each_batch_whole_in_its_own_transaction() {
    let url = ledger_store::pg_testing::fresh_url();
    let mut sink = Client::connect(&url, NoTls).expect("connecting to the test server");
    sink.batch_execute(&format!(
        "CREATE TABLE {RAW_INSERT_TABLE} (seq bigint PRIMARY KEY, value bytea NOT NULL)"
    ))
    .unwrap();
    let insert = prepare_insert(&mut sink).unwrap();
    let first: Vec<(i64, Vec<u8>)> = (1..=1500)
        .map(|i| (i, vec![(i % 251) as u8; 900]))
        .collect();
    insert_batch(&mut sink, &insert, &first).unwrap();
    // Record 1600 twice: the batch fails and none of 1501..=1600 is there.
    let bad: Vec<(i64, Vec<u8>)> = (1501..=1600).chain([1600]).map(|i| (i, vec![1])).collect();
    assert!(insert_batch(&mut sink, &insert, &bad).is_err());
    let row = sink
        .query_one(
            &format!(
                "SELECT count(*), min(seq), max(seq), sum(octet_length(value))::bigint FROM {RAW_INSERT_TABLE}"
            ),
            &[],
        )
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 1500);
    assert_eq!((row.get::<_, i64>(1), row.get::<_, i64>(2)), (1, 1500));
    assert_eq!(row.get::<_, i64>(3), 1500 * 900);
    let value: Vec<u8> = sink
        .query_one(
            &format!("SELECT value FROM {RAW_INSERT_TABLE} WHERE seq = 7"),
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(value, vec![7u8; 900]);
}
