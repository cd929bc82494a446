//! Judging an HTTP_GET response: the status code must be in `status_code` (default 200–299)
//! and, when `digest` is set, the MD5 of the body must equal it (keepalived computes the digest
//! over the body only, after the headers; `genhash` prints the value to configure).

use super::config::UrlCheck;
use super::output::FailureReason;
use md5::{Digest, Md5};

/// MD5 of `body`, as keepalived's `digest` compares it.
pub fn body_digest(body: &[u8]) -> [u8; 16] {
    Md5::digest(body).into()
}

/// MD5 of `body` as 32 lower-case hex digits (what `genhash` prints).
pub fn body_digest_hex(body: &[u8]) -> String {
    body_digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Ok if the response passes the URL's status and digest checks.
pub fn judge_response(url: &UrlCheck, status: u16, body: &[u8]) -> Result<(), FailureReason> {
    if !url.status_codes.accepts(status) {
        return Err(FailureReason::Status(status));
    }
    match url.digest {
        Some(expected) if body_digest(body) != expected => Err(FailureReason::DigestMismatch),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::config::{StatusCodes, parse_digest};

    #[test]
    fn digest_of_empty_body_is_the_md5_of_nothing() {
        assert_eq!(body_digest_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
    }

    #[test]
    fn response_outside_status_codes_fails_with_its_status() {
        let url = UrlCheck::new("/");
        assert_eq!(
            judge_response(&url, 500, b"oops"),
            Err(FailureReason::Status(500))
        );
        assert_eq!(judge_response(&url, 204, b""), Ok(()));
    }

    #[test]
    fn configured_status_ranges_replace_the_default() {
        let mut url = UrlCheck::new("/");
        url.status_codes = StatusCodes::new(vec![301..=302, 500..=500]);
        assert_eq!(judge_response(&url, 500, b""), Ok(()));
        assert_eq!(
            judge_response(&url, 200, b""),
            Err(FailureReason::Status(200))
        );
    }

    #[test]
    fn body_with_a_different_md5_fails_the_digest_check() {
        let mut url = UrlCheck::new("/");
        url.digest = Some(parse_digest(&body_digest_hex(b"hello")).unwrap());
        assert_eq!(judge_response(&url, 200, b"hello"), Ok(()));
        assert_eq!(
            judge_response(&url, 200, b"hello!"),
            Err(FailureReason::DigestMismatch)
        );
    }

    #[test]
    fn status_is_judged_before_digest() {
        let mut url = UrlCheck::new("/");
        url.digest = Some([0; 16]);
        assert_eq!(
            judge_response(&url, 404, b""),
            Err(FailureReason::Status(404))
        );
    }
}
