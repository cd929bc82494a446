//! Running the system tools the harness drives (`ip`, `nft`, `sysctl` through `ip netns exec`).
//!
//! Every call waits for the tool, and a non-zero exit becomes [`HarnessError::Command`] with the
//! tool's stderr, so a failing topology step names the exact command.

use std::process::{Command, Stdio};

use crate::error::{HarnessError, Result};

/// Runs `program args…`, feeding `stdin` if given; returns its stdout.
pub fn run_with_input(program: &str, args: &[&str], stdin: Option<&str>) -> Result<String> {
    use std::io::Write;
    let command = format!("{program} {}", args.join(" "));
    let mut child = Command::new(program)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| HarnessError::Command {
            command: command.clone(),
            detail: e.to_string(),
        })?;
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(input.as_bytes())
            .map_err(|e| HarnessError::io(format!("writing stdin of `{command}`"), e))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| HarnessError::io(format!("waiting for `{command}`"), e))?;
    if !out.status.success() {
        return Err(HarnessError::Command {
            command,
            detail: format!(
                "{}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs `program args…` and returns its stdout.
pub fn run(program: &str, args: &[&str]) -> Result<String> {
    run_with_input(program, args, None)
}

/// Runs `ip args…`.
pub fn ip(args: &[&str]) -> Result<String> {
    run("ip", args)
}

/// Runs `ip netns exec NAMESPACE program args…` (own mount namespace, `/sys` of the target).
pub fn in_netns(namespace: &str, program: &str, args: &[&str]) -> Result<String> {
    let mut full = vec!["netns", "exec", namespace, program];
    full.extend_from_slice(args);
    ip(&full)
}

/// Runs `ip netns exec NAMESPACE program args…` with `stdin` fed to it.
pub fn in_netns_with_input(
    namespace: &str,
    program: &str,
    args: &[&str],
    stdin: &str,
) -> Result<String> {
    let mut full = vec!["netns", "exec", namespace, program];
    full.extend_from_slice(args);
    run_with_input("ip", &full, Some(stdin))
}

/// Sets sysctls (`key=value`) inside `namespace`, never in the caller's namespace.
pub fn sysctl_in(namespace: &str, settings: &[&str]) -> Result<()> {
    let mut args = vec!["-qw"];
    args.extend_from_slice(settings);
    in_netns(namespace, "sysctl", &args).map(drop)
}
