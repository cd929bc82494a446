//! keepalived.conf → [`NodeConfig`] for scenarios, through the core's config layer.

use vrrplab_core::check::HealthConfig;
use vrrplab_core::config::{self, Loader, ParseOptions, glob};
use vrrplab_core::node::NodeConfig;

/// Serves the root file from memory and `include`d files from the filesystem (plain paths;
/// wildcard includes are listed in their directory).
struct ScenarioLoader<'a> {
    root: &'a str,
    text: &'a str,
}

impl Loader for ScenarioLoader<'_> {
    fn read(&self, path: &str) -> Result<String, String> {
        if path == self.root {
            Ok(self.text.to_string())
        } else {
            std::fs::read_to_string(path).map_err(|e| e.to_string())
        }
    }

    fn glob(&self, pattern: &str) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        for p in glob::expand_braces(pattern) {
            let path = std::path::Path::new(&p);
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if !glob::has_wildcards(&p) {
                if path.is_file() {
                    out.push(p.clone());
                }
                continue;
            }
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
            if dir.is_some_and(|d| glob::has_wildcards(&d.to_string_lossy())) {
                return Err(format!(
                    "`{pattern}`: wildcards in directory names are not supported by the simulator"
                ));
            }
            let listing = dir.map(|d| d.to_path_buf()).unwrap_or_else(|| ".".into());
            let Ok(entries) = std::fs::read_dir(&listing) else {
                continue;
            };
            for e in entries.flatten() {
                if let Some(n) = e.file_name().to_str()
                    && !n.starts_with('.')
                    && glob::matches(name, n)
                {
                    out.push(listing.join(n).to_string_lossy().into_owned());
                }
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
}

/// Parses keepalived.conf text (`origin` names it in messages and anchors relative includes).
/// Errors are returned rendered with file:line:column; warnings, and errors keepalived runs
/// past (unknown keywords, corrected values), are not fatal: the node runs as keepalived would.
pub fn load_keepalived_conf(text: &str, origin: &str) -> Result<NodeConfig, String> {
    let loader = ScenarioLoader { root: origin, text };
    let parsed = config::parse(origin, &loader, &ParseOptions::default());
    if !parsed.runs() {
        return Err(format!(
            "{origin}: keepalived.conf has errors:\n{}",
            parsed.render_diagnostics()
        ));
    }
    Ok(parsed.model.to_node_config())
}

/// The `virtual_server` health checks of keepalived.conf text (empty when it has none or does
/// not parse; [`load_keepalived_conf`] reports parse errors). `vrrp_script`s are left out: the
/// simulated node runs those itself.
pub fn load_keepalived_health(text: &str, origin: &str) -> HealthConfig {
    let loader = ScenarioLoader { root: origin, text };
    let parsed = config::parse(origin, &loader, &ParseOptions::default());
    if !parsed.runs() {
        return HealthConfig::default();
    }
    let (mut health, _notes) = HealthConfig::from_keepalived(&parsed.model, 0);
    health.scripts.clear();
    health
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{DEFAULT_CONF_A, DEFAULT_CONF_B};

    #[test]
    fn embedded_default_configs_parse_to_the_hand_built_pair() {
        let a = load_keepalived_conf(DEFAULT_CONF_A, "a.conf").expect("a.conf parses");
        let b = load_keepalived_conf(DEFAULT_CONF_B, "b.conf").expect("b.conf parses");
        assert_eq!(a.router_id, "LVS_A");
        assert_eq!(a.instances[0].vrid, 51);
        assert_eq!(a.instances[0].priority, 100);
        assert_eq!(b.instances[0].priority, 99);
        assert_eq!(
            a.instances[0].authentication,
            vrrplab_core::wire::Authentication::simple_password("1111")
        );
    }

    #[test]
    fn broken_config_is_an_error_with_a_location() {
        let e = load_keepalived_conf("vrrp_instance X {\n  virtual_router_id 999\n}\n", "x.conf")
            .unwrap_err();
        assert!(e.contains("x.conf"), "{e}");
    }
}
