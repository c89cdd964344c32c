/// `schema.graphql` is what the code serves; regenerate with
/// `cargo run -- schema > schema.graphql`.
#[test]
fn schema_file_matches_the_code() {
    let file = std::fs::read_to_string("schema.graphql").expect("schema.graphql exists");
    let code = donghanh::graphql::sdl();
    assert!(
        file.trim_end() == code.trim_end(),
        "schema.graphql is stale: run `cargo run -- schema > schema.graphql`"
    );
}
