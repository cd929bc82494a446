//! Invariants of reading untrusted captures: no panic on any bytes, and a capture cut at any
//! byte reports every complete frame before the cut and names the first incomplete one.

use super::util::*;
use pcap_file::DataLink;
use proptest::prelude::*;
use vrrplab_core::wire::Version;
use vrrplab_replay::replay_reader;

fn story_pcap() -> (Vec<u8>, Vec<usize>) {
    let st = story(
        Version::V2,
        ip("192.0.2.11"),
        ip("192.0.2.12"),
        ip("192.0.2.100"),
    );
    let frames: Vec<(u64, Vec<u8>)> = st
        .adverts
        .iter()
        .map(|(t, p, m)| (*t, ethernet_ip(*m, None, p)))
        .collect();
    // Offsets where each record ends (24-byte file header, 16-byte record headers).
    let mut ends = Vec::new();
    let mut at = 24;
    for (_, f) in &frames {
        at += 16 + f.len();
        ends.push(at);
    }
    (pcap(DataLink::ETHERNET, &frames), ends)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, rng_seed: proptest::test_runner::RngSeed::Fixed(5), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_after_a_pcap_header_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..600)) {
        let (bytes, _) = story_pcap();
        let mut data = bytes[..24].to_vec();
        data.extend_from_slice(&tail);
        let _ = replay_reader("fuzz.pcap", &data[..]);
    }

    #[test]
    fn arbitrary_bytes_after_a_pcapng_magic_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut data = vec![0x0a, 0x0d, 0x0d, 0x0a];
        data.extend_from_slice(&tail);
        let _ = replay_reader("fuzz.pcapng", &data[..]);
    }

    #[test]
    fn flipping_one_frame_byte_never_panics(index in 0usize..2000, value in any::<u8>()) {
        let (mut bytes, _) = story_pcap();
        let i = 24 + index % (bytes.len() - 24);
        bytes[i] = value;
        let _ = replay_reader("flip.pcap", &bytes[..]);
    }

    #[test]
    fn a_capture_cut_anywhere_reports_the_complete_frames_and_names_the_next(cut in 24usize..1000) {
        let (bytes, ends) = story_pcap();
        let cut = cut.min(bytes.len());
        let report = replay_reader("cut.pcap", &bytes[..cut]).unwrap();
        let complete = ends.iter().filter(|&&e| e <= cut).count();
        prop_assert_eq!(report.counts.packets, complete as u64);
        if ends.contains(&cut) || cut == 24 {
            prop_assert!(report.error.is_none());
        } else {
            let error = report.error.unwrap();
            let expected = format!("frame {} ", complete + 1);
            prop_assert!(error.starts_with(&expected), "{}", error);
        }
    }
}
