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
