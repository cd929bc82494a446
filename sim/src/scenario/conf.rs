//! keepalived.conf → [`NodeConfig`] for scenarios, through the core's config layer.

use vrrplab_core::node::NodeConfig;

/// Parses keepalived.conf text (`origin` names it in messages).
///
/// The core's keepalived.conf layer (`core::config`) is not in this build yet: until it is,
/// this returns an error saying so, and scenarios must be built in Rust.
pub fn load_keepalived_conf(text: &str, origin: &str) -> Result<NodeConfig, String> {
    let _ = text;
    Err(format!(
        "{origin}: keepalived.conf parsing (core::config) is not available in this build yet"
    ))
}
