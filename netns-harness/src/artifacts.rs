//! Where a test's files go: `target/netns-artifacts/<test>/` (configs, logs, pid files, capture).
//!
//! The directory is emptied when a topology is built. When the topology is dropped during a
//! panic the directory is kept and its path printed; after a passing test it is deleted unless
//! `VRRPLAB_NETNS_KEEP=1`.

use std::path::{Path, PathBuf};

/// The root for all tests' artifact directories: `$VRRPLAB_NETNS_ARTIFACTS`, else
/// `netns-artifacts/` in the cargo `target/` directory the test binary runs from, else the
/// system temporary directory.
pub fn root() -> PathBuf {
    if let Some(dir) = std::env::var_os("VRRPLAB_NETNS_ARTIFACTS") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir).join("netns-artifacts");
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| {
            exe.ancestors()
                .find(|a| a.file_name().is_some_and(|n| n == "target"))
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(std::env::temp_dir)
        .join("netns-artifacts")
}

/// Whether passing tests keep their artifacts too.
pub fn keep_always() -> bool {
    std::env::var("VRRPLAB_NETNS_KEEP").is_ok_and(|v| !v.is_empty() && v != "0")
}
