//! Faults: nftables drops inside a host namespace, and link down/up.
//!
//! Rules live in a table `inet vrrplab` with an input chain at priority -10 in the *receiving*
//! host's namespace, so "block VRRP from A at B" means B's VRRP socket never sees A's adverts,
//! while the capture on the bridge still shows them (AF_PACKET sees frames before the input
//! hook). VRRP is matched with `meta l4proto vrrp` for both families; the source is A's IPv4
//! address and its link-local address. Loss uses `numgen random mod 100 < P`. There is no netem
//! on the target kernel, so no delay or jitter faults. Link down/up acts on the host's port on
//! the bridge (a pulled cable: the host's `eth0` loses carrier but keeps its addresses).

use crate::command;
use crate::error::Result;
use crate::topology::{Host, Topology};

/// Name of the harness's nftables table inside host namespaces.
pub const NFT_TABLE: &str = "vrrplab";

/// The ruleset that creates (or keeps) the table and its input chain.
pub fn table_ruleset() -> String {
    format!(
        "table inet {NFT_TABLE} {{\n    chain input {{ type filter hook input priority -10; policy accept; }}\n}}\n"
    )
}

/// Rules that drop VRRP from `from` (IPv4 address and link-local).
pub fn block_rules(from: &Host) -> Vec<String> {
    vec![
        format!(
            "add rule inet {NFT_TABLE} input ip saddr {} meta l4proto vrrp counter drop",
            from.ipv4
        ),
        format!(
            "add rule inet {NFT_TABLE} input ip6 saddr {} meta l4proto vrrp counter drop",
            from.link_local
        ),
    ]
}

/// The rule that drops `percent` % of incoming VRRP at random.
pub fn loss_rule(percent: u8) -> String {
    format!(
        "add rule inet {NFT_TABLE} input meta l4proto vrrp numgen random mod 100 < {} counter drop",
        percent.min(100)
    )
}

fn apply(host: &Host, rules: &[String]) -> Result<()> {
    let mut script = table_ruleset();
    for r in rules {
        script.push_str(r);
        script.push('\n');
    }
    command::in_netns_with_input(&host.namespace, "nft", &["-f", "-"], &script).map(drop)
}

impl Topology {
    /// `to` drops every VRRP packet from `from` (one-way block).
    pub fn block_vrrp(&self, from: &Host, to: &Host) -> Result<()> {
        apply(to, &block_rules(from))
    }

    /// `a` and `b` drop each other's VRRP (two-way partition of the VRRP traffic).
    pub fn block_vrrp_both(&self, a: &Host, b: &Host) -> Result<()> {
        self.block_vrrp(a, b)?;
        self.block_vrrp(b, a)
    }

    /// `host` drops `percent` % of incoming VRRP at random.
    pub fn vrrp_loss(&self, host: &Host, percent: u8) -> Result<()> {
        apply(host, &[loss_rule(percent)])
    }

    /// Removes every harness rule from `host`.
    pub fn unblock(&self, host: &Host) -> Result<()> {
        command::in_netns(
            &host.namespace,
            "nft",
            &["delete", "table", "inet", NFT_TABLE],
        )
        .map(drop)
    }

    /// The harness table of `host` with its counters (`nft list table`), for failure messages.
    pub fn nft_counters(&self, host: &Host) -> Result<String> {
        command::in_netns(
            &host.namespace,
            "nft",
            &["list", "table", "inet", NFT_TABLE],
        )
    }

    /// Takes `host`'s bridge port down (the host's `eth0` loses carrier).
    pub fn link_down(&self, host: &Host) -> Result<()> {
        self.set_port(host, "down")
    }

    /// Brings `host`'s bridge port back up.
    pub fn link_up(&self, host: &Host) -> Result<()> {
        self.set_port(host, "up")
    }

    fn set_port(&self, host: &Host, state: &str) -> Result<()> {
        let switch = self.switch_namespace();
        command::ip(&["-n", switch, "link", "set", &host.name, state]).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::Role;

    #[test]
    fn block_rules_match_both_families_of_the_sender() {
        let h1 = Host::plan("p-", Role::Router, 1);
        assert_eq!(
            block_rules(&h1),
            vec![
                "add rule inet vrrplab input ip saddr 192.0.2.11 meta l4proto vrrp counter drop",
                "add rule inet vrrplab input ip6 saddr fe80::ff:fe00:1 meta l4proto vrrp counter drop",
            ]
        );
        assert_eq!(
            loss_rule(130),
            "add rule inet vrrplab input meta l4proto vrrp numgen random mod 100 < 100 counter drop"
        );
    }
}
