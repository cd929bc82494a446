//! `no_accept` (and `vrrp_strict`, which implies it): a master that is not the address owner
//! must not accept traffic addressed to its virtual addresses (RFC 5798 §6.4.3, Accept_Mode
//! False). keepalived does this with nftables or iptables (`vrrp_firewall.c`); vrrplab owns one
//! nftables table, `inet vrrplab_run`:
//!
//! - `input`: packets to an address in the sets are dropped; `output`: packets from one too
//!   (as keepalived's `in` / `out` chains, at priority `filter - 1`);
//! - IPv6 neighbour solicitations and advertisements pass (the VIP stays resolvable), and ARP
//!   is not IP at all, so it passes too — exactly what keepalived lets through;
//! - the sets hold the VIPs of `no_accept` instances while they are MASTER (keepalived "setting
//!   firewall drop rule" when it becomes master, "removing" when it leaves).
//!
//! The table is created at start (replacing one a crashed run left), its sets are replaced
//! whole on every change (one `nft -f` transaction, so the set is never half-written), and it is
//! deleted when the daemon exits, on every path ([`Table`] deletes it when dropped). Link-local
//! IPv6 VIPs are matched by address alone (keepalived keys them by interface too).

use std::collections::BTreeSet;
use std::io::Write;
use std::net::IpAddr;
use std::process::{Command, Stdio};

/// The table's name (family `inet`).
pub const TABLE: &str = "vrrplab_run";

/// The script that creates the table afresh (an existing one is deleted in the same
/// transaction).
pub fn create_script() -> String {
    format!(
        "add table inet {TABLE}\n\
         delete table inet {TABLE}\n\
         table inet {TABLE} {{\n\
         \x20 set vips4 {{ type ipv4_addr; }}\n\
         \x20 set vips6 {{ type ipv6_addr; }}\n\
         \x20 chain input {{\n\
         \x20   type filter hook input priority filter - 1; policy accept;\n\
         \x20   icmpv6 type {{ nd-neighbor-solicit, nd-neighbor-advert }} accept\n\
         \x20   ip daddr @vips4 drop\n\
         \x20   ip6 daddr @vips6 drop\n\
         \x20 }}\n\
         \x20 chain output {{\n\
         \x20   type filter hook output priority filter - 1; policy accept;\n\
         \x20   icmpv6 type {{ nd-neighbor-solicit, nd-neighbor-advert }} accept\n\
         \x20   ip saddr @vips4 drop\n\
         \x20   ip6 saddr @vips6 drop\n\
         \x20 }}\n\
         }}\n"
    )
}

/// The script that makes the sets hold exactly `dropped`.
pub fn sets_script(dropped: &BTreeSet<IpAddr>) -> String {
    let mut script = String::new();
    for (set, v6) in [("vips4", false), ("vips6", true)] {
        script.push_str(&format!("flush set inet {TABLE} {set}\n"));
        let members: Vec<String> = dropped
            .iter()
            .filter(|a| a.is_ipv6() == v6)
            .map(|a| a.to_string())
            .collect();
        if !members.is_empty() {
            script.push_str(&format!(
                "add element inet {TABLE} {set} {{ {} }}\n",
                members.join(", ")
            ));
        }
    }
    script
}

/// The script that deletes the table.
pub fn delete_script() -> String {
    format!("delete table inet {TABLE}\n")
}

/// Runs `nft -f -` with `script` and waits for it (blocking; a few milliseconds).
pub fn apply_blocking(script: &str) -> Result<(), String> {
    let mut child = Command::new("nft")
        .args(["-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run nft: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(script.as_bytes())
            .map_err(|e| format!("cannot write to nft: {e}"))?;
    }
    let out = child.wait_with_output().map_err(|e| format!("nft: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "nft: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Runs `nft -f -` with `script` without blocking the runtime.
pub async fn apply(script: String) -> Result<(), String> {
    tokio::task::spawn_blocking(move || apply_blocking(&script))
        .await
        .map_err(|e| format!("nft task: {e}"))?
}

/// The table while it exists: deleted when this is dropped (normal exit, error return or
/// panic unwinding alike).
pub struct Table(());

impl Table {
    /// Creates the table (replacing a stale one).
    pub fn create() -> Result<Table, String> {
        apply_blocking(&create_script())?;
        tracing::info!("nftables table inet {TABLE} created (no_accept)");
        Ok(Table(()))
    }
}

impl Drop for Table {
    fn drop(&mut self) {
        match apply_blocking(&delete_script()) {
            Ok(()) => tracing::info!("nftables table inet {TABLE} removed"),
            Err(e) => tracing::error!("cannot remove nftables table inet {TABLE}: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_are_replaced_whole_and_empty_families_only_flushed() {
        let dropped: BTreeSet<IpAddr> = ["192.0.2.100", "192.0.2.101", "2001:db8::100"]
            .iter()
            .map(|a| a.parse().unwrap())
            .collect();
        assert_eq!(
            sets_script(&dropped),
            "flush set inet vrrplab_run vips4\n\
             add element inet vrrplab_run vips4 { 192.0.2.100, 192.0.2.101 }\n\
             flush set inet vrrplab_run vips6\n\
             add element inet vrrplab_run vips6 { 2001:db8::100 }\n"
        );
        assert_eq!(
            sets_script(&BTreeSet::new()),
            "flush set inet vrrplab_run vips4\nflush set inet vrrplab_run vips6\n"
        );
    }

    #[test]
    fn the_table_is_recreated_in_one_transaction_with_drop_rules_both_ways() {
        let s = create_script();
        assert!(s.starts_with("add table inet vrrplab_run\ndelete table inet vrrplab_run\n"));
        for rule in [
            "ip daddr @vips4 drop",
            "ip6 daddr @vips6 drop",
            "ip saddr @vips4 drop",
            "ip6 saddr @vips6 drop",
            "nd-neighbor-solicit, nd-neighbor-advert } accept",
        ] {
            assert!(s.contains(rule), "{rule}\n{s}");
        }
    }
}
