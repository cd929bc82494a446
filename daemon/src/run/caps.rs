//! The capabilities `vrrplab run` needs, checked once the file is validated and before
//! anything is opened or written (namespace, fork, pid files, sockets): CAP_NET_RAW (raw VRRP
//! sockets, AF_PACKET announcements) and CAP_NET_ADMIN (virtual addresses, VMAC links, the
//! nftables table). Without one of them a master would advertise without being able to
//! hold its addresses, so the daemon refuses to start instead.

/// `CAP_NET_ADMIN` (linux/capability.h).
const CAP_NET_ADMIN: u32 = 12;
/// `CAP_NET_RAW`.
const CAP_NET_RAW: u32 = 13;

/// The effective capability set from the text of `/proc/self/status` (`CapEff:` in hex).
pub fn effective(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
}

/// The names of the needed capabilities missing from `effective`.
pub fn missing(effective: u64) -> Vec<&'static str> {
    [
        (CAP_NET_ADMIN, "CAP_NET_ADMIN"),
        (CAP_NET_RAW, "CAP_NET_RAW"),
    ]
    .into_iter()
    .filter(|(bit, _)| effective & (1u64 << bit) == 0)
    .map(|(_, name)| name)
    .collect()
}

/// `Err` with what to do when this process lacks a needed capability.
pub fn check() -> Result<(), String> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("cannot read /proc/self/status to check capabilities: {e}"))?;
    let effective = effective(&status)
        .ok_or("no CapEff line in /proc/self/status: cannot check capabilities")?;
    let missing = missing(effective);
    if missing.is_empty() {
        return Ok(());
    }
    Err(format!(
        "missing {}: vrrplab run needs CAP_NET_ADMIN (virtual addresses, VMAC links, nftables) \
         and CAP_NET_RAW (VRRP and AF_PACKET sockets); run it as root or grant them \
         (systemd: AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW)",
        missing.join(" and ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capeff_line_is_read_as_hex_and_missing_bits_are_named() {
        let status = "Name:\tvrrplab\nCapInh:\t0000000000000000\nCapEff:\t0000000000003000\n";
        let eff = effective(status).unwrap();
        assert_eq!(eff, 0x3000);
        assert!(missing(eff).is_empty());
        assert_eq!(missing(0x2000), vec!["CAP_NET_ADMIN"]);
        assert_eq!(missing(0x1000), vec!["CAP_NET_RAW"]);
        assert_eq!(missing(0), vec!["CAP_NET_ADMIN", "CAP_NET_RAW"]);
        assert_eq!(effective("Name:\tx\n"), None);
    }
}
