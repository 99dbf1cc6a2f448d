//! `ui/src/bindings.ts` is generated from the Rust types; this test fails when the
//! committed file is stale. Regenerate with `UPDATE_BINDINGS=1 cargo test -p chappe --test bindings`.

use std::path::{Path, PathBuf};

#[test]
fn typescript_bindings_match_the_rust_types() {
    // The checkout cargo runs the test in, not the one the binary was built in: the
    // target dir is a cache shared between clones.
    let committed = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), PathBuf::from)
        .join("../ui/src/bindings.ts");
    let fresh = tempfile_path();
    chappe_app::export_bindings(&fresh).unwrap_or_else(|e| panic!("export failed: {e}"));
    let fresh_text = std::fs::read_to_string(&fresh).unwrap_or_default();
    assert!(
        fresh_text.contains("export const commands"),
        "export produced no commands"
    );
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&committed, &fresh_text).unwrap_or_else(|e| panic!("write failed: {e}"));
        return;
    }
    let committed_text = std::fs::read_to_string(&committed).unwrap_or_default();
    assert!(
        committed_text == fresh_text,
        "ui/src/bindings.ts is stale: run UPDATE_BINDINGS=1 cargo test -p chappe --test bindings"
    );
}

fn tempfile_path() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("chappe-bindings-{}.ts", std::process::id()))
}
