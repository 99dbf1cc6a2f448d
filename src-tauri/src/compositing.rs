//! WebKitGTK's compositing on machines without a GPU (Linux).
//!
//! WebKitGTK composites the page in layers, on the GPU when there is one. Without one
//! (virtual desktops, VDI, many administration PCs, Xvfb) the same compositing runs on
//! the CPU, and it costs more than painting the page directly. Measured with the
//! release app and 1,000 rooms under Xvfb (docs/BENCHMARKS.md, 2026-12-03), after a
//! sign-in: the web process held ~260 MiB RSS instead of 385, the first rooms were
//! painted in 1.2 s instead of 1.7, a room switch took 191-241 ms instead of 428 (the
//! warm start was mixed: 202 and 414 MiB in two sets of runs, against 339). With a
//! GPU, compositing is left on: scrolling and animations use it.
//!
//! An explicit `WEBKIT_DISABLE_COMPOSITING_MODE` (the user's or an admin's) always wins.

use std::path::Path;

const VARIABLE: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// Where Linux lists the GPUs' render nodes (`renderD128`, ...).
const DRI: &str = "/dev/dri";

/// Turns WebKit's compositing off when the machine has no GPU and nobody chose
/// otherwise. Must run before WebKit starts, and before other threads exist (it sets an
/// environment variable, which WebKit's web process inherits).
/// Returns whether it did (for the log, which starts later).
pub fn off_without_gpu() -> bool {
    if !should_disable(
        std::env::var_os(VARIABLE).is_some(),
        has_render_node(Path::new(DRI)),
    ) {
        return false;
    }
    std::env::set_var(VARIABLE, "1");
    true
}

/// Whether to turn compositing off: only when the variable is not set already and no
/// GPU was found.
fn should_disable(variable_set: bool, gpu: bool) -> bool {
    !variable_set && !gpu
}

/// Whether `dir` holds a GPU render node. A missing or unreadable folder means none.
fn has_render_node(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
        })
        .unwrap_or(false)
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn only_without_gpu_and_without_a_choice() {
        assert!(should_disable(false, false));
        assert!(!should_disable(false, true), "a GPU keeps compositing");
        assert!(!should_disable(true, false), "an explicit setting wins");
        assert!(!should_disable(true, true));
    }

    #[test]
    fn a_render_node_is_a_gpu_a_card_alone_or_nothing_is_not() {
        let dir = std::env::temp_dir().join(format!("chappe-dri-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        assert!(!has_render_node(&dir), "no folder: no GPU");
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("card0"), b"").expect("card0");
        assert!(
            !has_render_node(&dir),
            "a display card without a render node"
        );
        std::fs::write(dir.join("renderD128"), b"").expect("renderD128");
        assert!(has_render_node(&dir));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
