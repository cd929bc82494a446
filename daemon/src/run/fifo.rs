//! keepalived's notify FIFOs: `notify_fifo` and `vrrp_notify_fifo` in `global_defs`, each
//! with an optional `*_script` that reads it.
//!
//! Contract, as keepalived 2.2.7 does it (`fifo_open`, `notify_fifo`; checked in a network
//! namespace, see docs/keepalived-behaviour.md, "Notifications"):
//! - a missing FIFO is created (mode 0644 less the umask) and removed again at exit; an
//!   existing one is used as it is and left in place; a path that exists but is no FIFO is
//!   refused with an error;
//! - the reader script is started with the FIFO's path appended as its last argument, then the
//!   daemon opens the FIFO read-write and non-blocking (so opening never waits for a reader and
//!   a missing reader never stops the daemon);
//! - every [`NotifyEvent`] is written as one line, `INSTANCE "VI_1" MASTER 100\n`, to every
//!   configured FIFO, in the order the core emitted them;
//! - at exit the FIFO is closed after the STOP lines, so a reader sees them and then end of
//!   file (the daemon waits, up to [`READER_GRACE`], until a reader script has read what is in
//!   the pipe); a reader script still running after the grace gets SIGTERM (keepalived kills it
//!   at once, losing the STOP lines it had not read yet).
//!
//! A full pipe (nobody reading for 64 KiB of lines) drops lines: counted, logged once.

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::time::Duration;
use vrrplab_core::config::model::{GlobalDefs, NotifyFifo};
use vrrplab_core::node::NotifyEvent;

/// How long a FIFO reader script may take to finish reading after the daemon closed the FIFO.
pub const READER_GRACE: Duration = Duration::from_secs(1);

/// One open FIFO.
struct Open {
    /// The configuration it was opened from (a reload with the same one keeps it open).
    config: NotifyFifo,
    path: String,
    file: File,
    /// The daemon created it (and removes it at close).
    created: bool,
    reader: Option<tokio::process::Child>,
    /// A write failed since the last success (logged once per streak).
    failing: bool,
}

/// The daemon's notify FIFOs.
#[derive(Default)]
pub struct NotifyFifos {
    open: Vec<Open>,
    /// Lines that could not be written (pipe full or FIFO error).
    pub dropped: u64,
}

impl NotifyFifos {
    /// Opens the FIFOs of `global` that are not open yet and closes those no longer configured
    /// (a reload keeps an unchanged FIFO and its reader).
    pub async fn configure(&mut self, global: &GlobalDefs) {
        let wanted: Vec<&NotifyFifo> = [&global.notify_fifo, &global.vrrp_notify_fifo]
            .into_iter()
            .filter(|f| f.path.is_some())
            .collect();
        let (keep, gone): (Vec<Open>, Vec<Open>) = std::mem::take(&mut self.open)
            .into_iter()
            .partition(|o| wanted.contains(&&o.config));
        for o in gone {
            close(o).await;
        }
        self.open = keep;
        for config in wanted {
            if self.open.iter().any(|o| &o.config == config) {
                continue;
            }
            let path = config.path.clone().unwrap_or_default();
            if self.open.iter().any(|o| o.path == path) {
                tracing::error!(
                    fifo = path,
                    "notify_fifo and vrrp_notify_fifo name the same FIFO: used once"
                );
                continue;
            }
            match open(config) {
                Ok(o) => {
                    tracing::info!(fifo = o.path, created = o.created, "notify FIFO open");
                    self.open.push(o);
                }
                Err(e) => tracing::error!(fifo = path, "notify FIFO not used: {e}"),
            }
        }
        if global.notify_fifo.path.is_none() && global.notify_fifo.script.is_some()
            || global.vrrp_notify_fifo.path.is_none() && global.vrrp_notify_fifo.script.is_some()
        {
            tracing::warn!("a notify FIFO script without its FIFO is not run");
        }
    }

    /// Writes `event`'s line to every FIFO.
    pub fn write(&mut self, event: &NotifyEvent) {
        let line = format!("{event}\n");
        for o in &mut self.open {
            match o.file.write(line.as_bytes()) {
                Ok(n) if n == line.len() => o.failing = false,
                result => {
                    self.dropped += 1;
                    if !o.failing {
                        let why = match result {
                            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                                "the FIFO is full (is its reader running?)".to_string()
                            }
                            Err(e) => e.to_string(),
                            Ok(n) => format!("short write ({n} of {} bytes)", line.len()),
                        };
                        tracing::warn!(fifo = o.path, "notify FIFO lines dropped: {why}");
                    }
                    o.failing = true;
                }
            }
        }
    }

    /// Closes every FIFO (at exit): readers see end of file, created FIFOs are removed.
    pub async fn close(&mut self) {
        for o in std::mem::take(&mut self.open) {
            close(o).await;
        }
    }
}

/// Creates (when missing), starts the reader of, and opens one FIFO.
fn open(config: &NotifyFifo) -> Result<Open, String> {
    let path = config.path.clone().unwrap_or_default();
    let created = match std::fs::symlink_metadata(&path) {
        Ok(m) if m.file_type().is_fifo() => false,
        Ok(_) => return Err("exists and is not a FIFO".into()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            nix::unistd::mkfifo(
                path.as_str(),
                nix::sys::stat::Mode::from_bits_truncate(0o644),
            )
            .map_err(|e| format!("cannot create it: {e}"))?;
            if let Some(user) = &config.user {
                chown(&path, user)?;
            }
            true
        }
        Err(e) => return Err(e.to_string()),
    };
    let reader =
        config.script.as_ref().and_then(|script| {
            match super::scripts::spawn_fifo_reader(&script.command, script.user.as_deref(), &path)
            {
                Ok(child) => Some(child),
                Err(e) => {
                    tracing::error!(fifo = path, "notify FIFO script not run: {e}");
                    None
                }
            }
        });
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(&path)
        .map_err(|e| {
            if created {
                let _ = std::fs::remove_file(&path);
            }
            format!("cannot open it: {e}")
        })?;
    Ok(Open {
        config: config.clone(),
        path,
        file,
        created,
        reader,
        failing: false,
    })
}

/// Gives the FIFO to `USER [GROUP]` (`notify_fifo PATH USER [GROUP]`).
fn chown(path: &str, spec: &str) -> Result<(), String> {
    let user = super::scripts::user::resolve(spec).map_err(|e| format!("user {spec}: {e}"))?;
    std::os::unix::fs::chown(path, Some(user.uid), Some(user.gid))
        .map_err(|e| format!("cannot give it to {spec}: {e}"))
}

/// Closes one FIFO: the daemon's end first (the reader reads the rest, then end of file), then
/// the reader's grace, then SIGTERM.
async fn close(o: Open) {
    let Open {
        path,
        file,
        created,
        reader,
        ..
    } = o;
    let deadline = tokio::time::Instant::now() + READER_GRACE;
    if reader.is_some() {
        // Lines still in the pipe would be lost if the reader had not opened it yet.
        while unread(&file) > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    drop(file);
    if let Some(mut child) = reader
        && tokio::time::timeout_at(deadline, child.wait())
            .await
            .is_err()
    {
        if let Some(pid) = child.id().and_then(|p| i32::try_from(p).ok()) {
            // The reader runs in its own process group: end the group (a shell script's
            // children too).
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGTERM,
            );
        }
        let _ = child.wait().await;
    }
    if created {
        let _ = std::fs::remove_file(&path);
    }
}

/// Bytes written to the FIFO and not read yet.
fn unread(file: &File) -> i32 {
    use std::os::fd::AsRawFd;
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one int through a valid pointer; the descriptor is open.
    if unsafe { libc::ioctl(file.as_raw_fd(), libc::FIONREAD, &mut n) } != 0 {
        return 0;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use vrrplab_core::node::NotifyEventKind;
    use vrrplab_core::vrrp::{Hook, State};

    fn event(name: &str, state: State, priority: u8) -> NotifyEvent {
        NotifyEvent {
            name: name.into(),
            group: false,
            kind: NotifyEventKind::State(state),
            priority,
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn missing_fifo_is_created_read_by_its_script_and_removed_at_close() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("notify.fifo");
        let out = dir.path().join("out.txt");
        let script = dir.path().join("reader.sh");
        std::fs::write(
            &script,
            "#!/bin/sh\nout=$1; fifo=$2\nwhile IFS= read -r l; do echo \"$l\" >> \"$out\"; done < \"$fifo\"\n",
        )
        .unwrap();
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let global = GlobalDefs {
            vrrp_notify_fifo: NotifyFifo {
                path: Some(fifo.display().to_string()),
                user: None,
                script: Some(Hook::from(
                    format!("{} {}", script.display(), out.display()).as_str(),
                )),
            },
            ..GlobalDefs::default()
        };
        let mut fifos = NotifyFifos::default();
        fifos.configure(&global).await;
        assert!(
            std::fs::symlink_metadata(&fifo)
                .unwrap()
                .file_type()
                .is_fifo()
        );
        fifos.write(&event("VI_1", State::Backup, 100));
        fifos.write(&event("VI_1", State::Master, 100));
        fifos.write(&event("VI_1", State::Init, 100));
        fifos.close().await;
        assert!(!fifo.exists(), "a FIFO the daemon created is removed");
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            "INSTANCE \"VI_1\" BACKUP 100\nINSTANCE \"VI_1\" MASTER 100\nINSTANCE \"VI_1\" STOP 100\n"
        );
        assert_eq!(fifos.dropped, 0);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn existing_fifo_is_kept_and_a_full_one_drops_lines_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("mine.fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        let mut reader = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&fifo)
            .unwrap();
        let global = GlobalDefs {
            notify_fifo: NotifyFifo {
                path: Some(fifo.display().to_string()),
                ..NotifyFifo::default()
            },
            ..GlobalDefs::default()
        };
        let mut fifos = NotifyFifos::default();
        fifos.configure(&global).await;
        // Far more than a pipe holds, nobody reading.
        for _ in 0..10_000 {
            fifos.write(&event("VI_LONG_NAME_1", State::Master, 100));
        }
        assert!(fifos.dropped > 0);
        let mut first = [0u8; 34];
        reader.read_exact(&mut first).unwrap();
        assert_eq!(&first, b"INSTANCE \"VI_LONG_NAME_1\" MASTER 1");
        fifos.close().await;
        assert!(fifo.exists(), "a FIFO the daemon found is left in place");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_path_that_is_no_fifo_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain");
        std::fs::write(&file, "").unwrap();
        let config = NotifyFifo {
            path: Some(file.display().to_string()),
            ..NotifyFifo::default()
        };
        assert!(open(&config).err().unwrap().contains("not a FIFO"));
    }
}
