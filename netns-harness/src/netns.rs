//! Entering a namespace from the current thread (`setns` is per thread).
//!
//! Only threads the harness owns and that never return to other work call [`enter`]: the
//! capture thread, and short-lived threads that create a socket and exit. A socket keeps the
//! namespace it was created in, so it can then be used from any thread.

use std::os::fd::AsRawFd;

use crate::error::{HarnessError, Result};

/// Moves the calling thread into the network namespace `/run/netns/<name>`.
pub fn enter(name: &str) -> Result<()> {
    let ns = netns_rs::NetNs::get(name)
        .map_err(|e| HarnessError::Invalid(format!("namespace {name}: {e}")))?;
    // SAFETY: setns on a valid namespace fd affects only the calling thread.
    if unsafe { libc::setns(ns.file().as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        return Err(HarnessError::io(
            format!("setns into {name}"),
            std::io::Error::last_os_error(),
        ));
    }
    Ok(())
}

/// Interface index of `name` in the calling thread's namespace.
pub fn interface_index(name: &str) -> Result<u32> {
    let c = std::ffi::CString::new(name)
        .map_err(|_| HarnessError::Invalid(format!("interface name {name:?}")))?;
    // SAFETY: c is a valid NUL-terminated string.
    let index = unsafe { libc::if_nametoindex(c.as_ptr()) };
    if index == 0 {
        return Err(HarnessError::io(
            format!("if_nametoindex({name})"),
            std::io::Error::last_os_error(),
        ));
    }
    Ok(index)
}
