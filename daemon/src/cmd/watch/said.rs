//! What the text output already said about the findings still developing, so that a final
//! finding whose sentence one of its own earlier lines (`opened`, `closed`) showed is not
//! printed again.
//!
//! Contract: the sentences of a finding are kept from its first line until its `finding` (or
//! `revised`) line, then forgotten: what is kept follows the findings not yet final, not the
//! length of the watch. A finding is told apart from another by the watcher's own key
//! ([`finality::key`]), never by its sentence (two routers resigning alike are two findings).

use std::collections::BTreeMap;
use vrrplab_replay::live::finality::{self, FindingKey};
use vrrplab_replay::live::{Notice, NoticeKind};

/// The sentences printed for findings not yet final.
#[derive(Debug, Default)]
pub struct Said {
    open: BTreeMap<FindingKey, Vec<String>>,
}

impl Said {
    /// Whether the text line of `n` says something new; remembers it, or forgets its finding
    /// when `n` is final.
    pub fn is_new(&mut self, n: &Notice) -> bool {
        let key = finality::key(&n.finding);
        let text = n.finding.text();
        match n.kind {
            NoticeKind::Opened | NoticeKind::Closed => {
                let said = self.open.entry(key).or_default();
                if !said.contains(&text) {
                    said.push(text);
                }
                true
            }
            NoticeKind::Finding => self
                .open
                .remove(&key)
                .is_none_or(|said| !said.contains(&text)),
            NoticeKind::Revised => {
                self.open.remove(&key);
                true
            }
        }
    }

    /// Findings whose sentences are kept.
    #[cfg(test)]
    fn developing(&self) -> usize {
        self.open.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vrrplab_core::wire::Family;
    use vrrplab_replay::Finding;
    use vrrplab_replay::report::{FindingDetail, ResignDetail, ResignOutcome};

    const S: u64 = 1_000_000_000;

    /// A resignation with no takeover by `from` (last octet) at `start` s.
    fn resign(from: u8, start: u64) -> Finding {
        let from = std::net::IpAddr::from([10, 0, 0, from]);
        Finding {
            segment: Default::default(),
            family: Family::Ipv4,
            vrid: 1,
            start_ns: start * S,
            end_ns: start * S,
            routers: vec![from],
            detail: FindingDetail::Resign(ResignDetail {
                from,
                resign_frame: start,
                outcome: ResignOutcome::NoTakeover,
            }),
        }
    }

    fn notice(kind: NoticeKind, finding: Finding) -> Notice {
        Notice {
            kind,
            at_ns: finding.end_ns,
            finding,
        }
    }

    #[test]
    fn final_line_repeating_its_opened_line_is_not_new_and_the_finding_is_forgotten() {
        let mut said = Said::default();
        assert!(said.is_new(&notice(NoticeKind::Opened, resign(2, 10))));
        assert_eq!(said.developing(), 1);
        assert!(!said.is_new(&notice(NoticeKind::Finding, resign(2, 10))));
        assert_eq!(said.developing(), 0);
    }

    #[test]
    fn kept_sentences_stay_bounded_over_a_long_watch_of_final_findings() {
        let mut said = Said::default();
        for k in 0..10_000 {
            assert!(said.is_new(&notice(NoticeKind::Opened, resign(2, k))));
            assert!(!said.is_new(&notice(NoticeKind::Finding, resign(2, k))));
            assert!(said.is_new(&notice(NoticeKind::Finding, resign(3, k))));
        }
        assert_eq!(said.developing(), 0);
    }

    #[test]
    fn same_sentence_of_another_finding_is_new() {
        let mut said = Said::default();
        assert!(said.is_new(&notice(NoticeKind::Opened, resign(2, 10))));
        // same sentence ("10.0.0.2 resigned …"), later resignation: another finding
        assert!(said.is_new(&notice(NoticeKind::Finding, resign(2, 20))));
        assert_eq!(said.developing(), 1);
    }
}
