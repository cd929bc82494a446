//! Pid files, as keepalived keeps them: written at start with this process's id, removed at
//! exit. A pid file naming a live `keepalived` or `vrrplab` process stops the start (two VRRP
//! daemons on one host would fight over the same VRIDs); one naming a dead process, or a
//! process that is neither, is stale and replaced.

use std::path::{Path, PathBuf};

/// The pid files this process wrote; removed on drop (if they still hold our pid).
#[derive(Debug)]
pub struct PidFiles {
    paths: Vec<PathBuf>,
    pid: u32,
}

impl PidFiles {
    /// Writes `pid` to every path (creating missing parent directories); `Err` names the file
    /// and the live process holding it, or the I/O error.
    pub fn create(paths: &[String], pid: u32) -> Result<PidFiles, String> {
        for path in paths {
            if let Some(holder) = live_holder(Path::new(path), pid) {
                return Err(format!(
                    "{path} names the running process {} ({}): another keepalived or vrrplab is running; stop it, or give this one its own -p/-r pid files",
                    holder.0, holder.1
                ));
            }
        }
        let mut written = PidFiles {
            paths: Vec::new(),
            pid,
        };
        for path in paths {
            let path = PathBuf::from(path);
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
            }
            std::fs::write(&path, format!("{pid}\n"))
                .map_err(|e| format!("cannot write the pid file {}: {e}", path.display()))?;
            written.paths.push(path);
        }
        Ok(written)
    }
}

impl Drop for PidFiles {
    fn drop(&mut self) {
        for path in &self.paths {
            if read_pid(path) == Some(self.pid) {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

fn read_pid(path: &Path) -> Option<u32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// The live keepalived / vrrplab process (pid, name) a pid file names, other than `own`.
fn live_holder(path: &Path, own: u32) -> Option<(u32, String)> {
    let pid = read_pid(path)?;
    if pid == own || pid == 0 {
        return None;
    }
    let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    let name = name.trim().to_string();
    matches!(name.as_str(), "keepalived" | "vrrplab").then_some((pid, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pid_file_is_written_and_removed_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/k.pid");
        let files = PidFiles::create(&[path.display().to_string()], 1234).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "1234\n");
        drop(files);
        assert!(!path.exists());
    }

    #[test]
    fn stale_pid_file_of_a_dead_or_unrelated_process_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.pid");
        // pid 1 exists but is not keepalived / vrrplab; 0x3fffffff exceeds pid_max.
        for stale in ["1\n", "1073741823\n", "garbage"] {
            std::fs::write(&path, stale).unwrap();
            let files = PidFiles::create(&[path.display().to_string()], 77).unwrap();
            assert_eq!(std::fs::read_to_string(&path).unwrap(), "77\n");
            drop(files);
        }
    }

    #[test]
    fn pid_file_of_a_live_vrrplab_stops_the_start() {
        // The test binary is not called vrrplab: a child named so by exec -a would be, but
        // comm follows the executable. A copy of `sleep` named `vrrplab` is.
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("vrrplab");
        std::fs::copy("/bin/sleep", &exe).unwrap();
        let mut child = std::process::Command::new(&exe).arg("30").spawn().unwrap();
        // Between fork and exec the child still carries the test binary's name.
        let comm = format!("/proc/{}/comm", child.id());
        for _ in 0..500 {
            if std::fs::read_to_string(&comm).is_ok_and(|c| c.trim() == "vrrplab") {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let path = dir.path().join("k.pid");
        std::fs::write(&path, format!("{}\n", child.id())).unwrap();
        let err = PidFiles::create(&[path.display().to_string()], 77).unwrap_err();
        let _ = child.kill();
        let _ = child.wait();
        assert!(
            err.contains(&format!("running process {} (vrrplab)", child.id())),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("{}\n", child.id()),
            "the holder's pid file is left alone"
        );
    }
}
