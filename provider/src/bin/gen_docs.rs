//! Writes `docs/` from the provider schema: `cargo run --bin gen-docs`.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let missing = platform_provider::docs::undocumented();
    if !missing.is_empty() {
        eprintln!("gen-docs: attributes without a description: {}", missing.join(", "));
        return ExitCode::FAILURE;
    }
    for (rel, content) in platform_provider::docs::render_all(&root) {
        let path = root.join(&rel);
        if let Some(dir) = path.parent() {
            if let Err(err) = std::fs::create_dir_all(dir) {
                eprintln!("gen-docs: creating `{}`: {err}", dir.display());
                return ExitCode::FAILURE;
            }
        }
        if let Err(err) = std::fs::write(&path, content) {
            eprintln!("gen-docs: writing `{}`: {err}", path.display());
            return ExitCode::FAILURE;
        }
        println!("wrote {}", rel.display());
    }
    ExitCode::SUCCESS
}
