//! The layering rule: the domain (every rules module and what it calls) speaks
//! Rust types, not GraphQL. Only the GraphQL layer (`src/graphql/`, each slice's
//! `graphql.rs`) and the edges that wire it up (HTTP, start-up, configuration, the
//! command line) may name `async_graphql` or `crate::graphql`.

use std::path::{Path, PathBuf};

/// Files allowed to speak GraphQL, relative to `src/`.
fn speaks_graphql(relative: &Path) -> bool {
    let text = relative.to_string_lossy();
    text.starts_with("graphql/")
        || text.starts_with("http/")
        || relative
            .file_name()
            .is_some_and(|name| name == "graphql.rs")
        || ["lib.rs", "main.rs", "cli.rs", "startup.rs", "config.rs"].contains(&text.as_ref())
}

pub fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

/// Lines of code that reach into the GraphQL layer (comments do not count).
fn graphql_references(source: &str) -> Vec<String> {
    source
        .lines()
        .map(str::trim)
        .filter(|line| !line.starts_with("//"))
        .filter(|line| line.contains("async_graphql") || line.contains("graphql::"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_domain_does_not_import_the_graphql_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut domain_files = 0;
    let mut offences = Vec::new();
    for file in files {
        let relative = file.strip_prefix(&src).expect("under src").to_path_buf();
        if speaks_graphql(&relative) {
            continue;
        }
        domain_files += 1;
        let source = std::fs::read_to_string(&file).expect("readable");
        for line in graphql_references(&source) {
            offences.push(format!("{}: {line}", relative.display()));
        }
    }
    // Every slice's rules and entities, and the shared domain modules, are checked.
    assert!(domain_files >= 30, "only {domain_files} domain files found");
    assert!(offences.is_empty(), "{}", offences.join("\n"));
}

#[test]
fn the_check_sees_an_import() {
    assert_eq!(
        graphql_references("// graphql::x in a comment\nuse crate::graphql::ids;\n"),
        vec!["use crate::graphql::ids;".to_owned()]
    );
    assert_eq!(graphql_references("use async_graphql::Enum;").len(), 1);
}
