//! Forking into the background, for the binary invoked as `keepalived` without `-n` (init
//! scripts such as Debian's `start-stop-daemon --exec keepalived` expect the command to
//! return). Unlike keepalived, the parent waits until the daemon is ready: it exits 0 then, or
//! with the daemon's exit status when start-up fails, so the init script sees the failure.
//!
//! Must be called while the process is single-threaded (before the runtime starts).

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};

/// The daemon's end of the readiness pipe.
#[derive(Debug)]
pub struct ReadyPipe(std::fs::File);

impl ReadyPipe {
    /// Tells the waiting parent that the daemon is running, then detaches stdin, stdout and
    /// stderr (to /dev/null).
    pub fn ready(mut self) {
        let _ = self.0.write_all(b"1");
        drop(self);
        if let Ok(null) = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/null")
        {
            for fd in 0..=2 {
                // SAFETY: dup2 onto the standard descriptors, which stay open.
                unsafe {
                    libc::dup2(null.as_raw_fd(), fd);
                }
            }
        }
    }
}

/// Forks; returns in the child (the daemon, in a new session) only. The parent waits for
/// [`ReadyPipe::ready`] and exits 0, or exits with the child's status if it ends first.
pub fn fork() -> Result<ReadyPipe, String> {
    let (read, write): (OwnedFd, OwnedFd) =
        nix::unistd::pipe().map_err(|e| format!("cannot create a pipe: {e}"))?;
    // SAFETY: called before any other thread exists (see the module docs).
    match unsafe { nix::unistd::fork() }.map_err(|e| format!("cannot fork: {e}"))? {
        nix::unistd::ForkResult::Parent { child } => {
            drop(write);
            let mut byte = [0u8; 1];
            let mut read = std::fs::File::from(read);
            if matches!(read.read(&mut byte), Ok(1)) {
                std::process::exit(0);
            }
            let code = match nix::sys::wait::waitpid(child, None) {
                Ok(nix::sys::wait::WaitStatus::Exited(_, code)) => code,
                _ => 1,
            };
            std::process::exit(code);
        }
        nix::unistd::ForkResult::Child => {
            drop(read);
            nix::unistd::setsid().map_err(|e| format!("setsid: {e}"))?;
            Ok(ReadyPipe(std::fs::File::from(write)))
        }
    }
}
