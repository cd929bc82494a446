//! The nemesis: which fault kinds a generated plan may use, on which targets, how many per plan,
//! when, and how long the quiet tail is.
//!
//! Text form (`--nemesis`, or `kinds = "…"` in a scenario's `[nemesis]` table): items separated
//! by commas. A kind is `KIND[:TARGET+TARGET…][<=CAP]` (`crash`, `crash:a`, `loss<=30%`,
//! `latency<=500ms`, `drift<=5%`, `script:chk_gw`); a setting is `KEY=VALUE` (`faults=3`,
//! `window=30s`, `warmup=10s`, `quiet=15s`, `split_brain=fail`). Settings not given keep the
//! defaults derived from the scenario ([`Nemesis::defaults`]). Every name is checked against the
//! scenario: an unknown kind, node, interface, script, track file, real server or config is an
//! error that lists what exists.

use crate::fault::{format_duration, parse_duration};
use crate::scenario::Scenario;
use std::collections::BTreeSet;
use std::time::Duration;
use vrrplab_core::vrrp::timing;

/// A kind of fault the nemesis may inject (each with the action that undoes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultKind {
    /// `crash N` … `restart N`.
    Crash,
    /// `stop N` … `start N`.
    Stop,
    /// `partition A<->B` … `heal A<->B`.
    Partition,
    /// `isolate N` … `heal all`.
    Isolate,
    /// `block R<-S` … `unblock R<-S`.
    Block,
    /// `loss A<->B P%` (or every link) … `loss … 0%`.
    Loss,
    /// `latency A<->B D` … back to the scenario's minimum latency.
    Latency,
    /// `drift N RATE` … `drift N 1`.
    Drift,
    /// `ifdown N IF` … `ifup N IF`.
    Ifdown,
    /// `script N NAME fail` … `script N NAME ok`.
    Script,
    /// `trackfile N NAME V` … `trackfile N NAME 0`.
    Trackfile,
    /// `gateway-cut N` … `gateway-restore N`.
    Gateway,
    /// `backend-down|hang|slow|status B` … `backend-up B`.
    Backend,
    /// `reload N CONFIG` (not undone: the node keeps the new configuration).
    Reload,
}

/// Every kind, in the order reports list them.
pub const FAULT_KINDS: &[FaultKind] = &[
    FaultKind::Crash,
    FaultKind::Stop,
    FaultKind::Partition,
    FaultKind::Isolate,
    FaultKind::Block,
    FaultKind::Loss,
    FaultKind::Latency,
    FaultKind::Drift,
    FaultKind::Ifdown,
    FaultKind::Script,
    FaultKind::Trackfile,
    FaultKind::Gateway,
    FaultKind::Backend,
    FaultKind::Reload,
];

impl FaultKind {
    /// The name used in nemesis specs and reports.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Crash => "crash",
            FaultKind::Stop => "stop",
            FaultKind::Partition => "partition",
            FaultKind::Isolate => "isolate",
            FaultKind::Block => "block",
            FaultKind::Loss => "loss",
            FaultKind::Latency => "latency",
            FaultKind::Drift => "drift",
            FaultKind::Ifdown => "ifdown",
            FaultKind::Script => "script",
            FaultKind::Trackfile => "trackfile",
            FaultKind::Gateway => "gateway",
            FaultKind::Backend => "backend",
            FaultKind::Reload => "reload",
        }
    }

    /// The kind called `name`.
    pub fn from_name(name: &str) -> Option<FaultKind> {
        FAULT_KINDS.iter().copied().find(|k| k.name() == name)
    }

    /// True for kinds during which VRRP's documented behaviour is two masters (the masters
    /// cannot hear each other): partition, isolate, one-way block.
    pub fn splits_network(self) -> bool {
        matches!(
            self,
            FaultKind::Partition | FaultKind::Isolate | FaultKind::Block
        )
    }
}

impl std::fmt::Display for FaultKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// An upper bound on a kind's strength.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cap {
    /// Loss percentage (1–100) or clock drift percentage (1–50).
    Percent(u8),
    /// Largest added latency.
    Duration(Duration),
}

impl std::fmt::Display for Cap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cap::Percent(p) => write!(f, "{p}%"),
            Cap::Duration(d) => f.write_str(&format_duration(*d)),
        }
    }
}

/// One allowed kind with its targets (empty: every target the scenario has) and cap.
#[derive(Debug, Clone, PartialEq)]
pub struct KindSpec {
    /// The kind.
    pub kind: FaultKind,
    /// Node names (crash, stop, partition, isolate, block, loss, latency, drift, gateway),
    /// interface names (ifdown), script or track file names, real servers (`IP:PORT`) or
    /// config names (reload). Empty: all of them.
    pub targets: Vec<String>,
    /// Strength bound (loss, latency, drift); `None` for the kind's default.
    pub cap: Option<Cap>,
}

impl std::fmt::Display for KindSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.kind.name())?;
        if !self.targets.is_empty() {
            write!(f, ":{}", self.targets.join("+"))?;
        }
        if let Some(cap) = self.cap {
            write!(f, "<={cap}")?;
        }
        Ok(())
    }
}

/// What the generated plans may do.
#[derive(Debug, Clone, PartialEq)]
pub struct Nemesis {
    /// The allowed kinds (drawn uniformly).
    pub kinds: Vec<KindSpec>,
    /// Faults per plan: 1 to this many.
    pub max_faults: usize,
    /// No fault starts before this (the cluster elects its first master).
    pub warmup: Duration,
    /// Faults start and end within `warmup .. warmup + window`.
    pub window: Duration,
    /// Fault-free time after the last fault ends, for the cluster to settle; the healthy-network
    /// invariants are judged in it.
    pub quiet: Duration,
    /// Count a split-brain while a partition or one-way block is active as a failure
    /// (`split_brain=fail`) instead of a statistic.
    pub split_brain_fails: bool,
}

/// A nemesis spec that cannot be used; the message names the item and what exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NemesisError {
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for NemesisError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "nemesis: {}", self.message)
    }
}

impl std::error::Error for NemesisError {}

fn err<T>(message: impl Into<String>) -> Result<T, NemesisError> {
    Err(NemesisError {
        message: message.into(),
    })
}

/// What a scenario offers the nemesis: nodes, interfaces, scripts, track files, real servers,
/// configs, gateway.
#[derive(Debug, Clone, Default)]
pub(crate) struct Targets {
    pub(crate) nodes: Vec<String>,
    pub(crate) interfaces: BTreeSet<String>,
    pub(crate) scripts: BTreeSet<String>,
    pub(crate) track_files: BTreeSet<String>,
    pub(crate) backends: Vec<String>,
    pub(crate) configs: Vec<String>,
    pub(crate) gateway: bool,
}

impl Targets {
    pub(crate) fn of(scenario: &Scenario) -> Targets {
        let mut t = Targets {
            nodes: scenario.nodes.iter().map(|n| n.name.clone()).collect(),
            backends: scenario
                .backends()
                .iter()
                .map(|(a, _)| a.to_string())
                .collect(),
            configs: scenario.configs.keys().cloned().collect(),
            gateway: scenario.gateway,
            ..Targets::default()
        };
        for n in &scenario.nodes {
            for i in &n.config.instances {
                t.interfaces.insert(i.interface.clone());
                t.interfaces
                    .extend(i.track_interfaces.iter().map(|x| x.name.clone()));
            }
            t.scripts
                .extend(n.config.scripts.iter().map(|s| s.name.clone()));
            t.track_files
                .extend(n.config.track_files.iter().map(|s| s.name.clone()));
        }
        t
    }

    /// Every target of `kind` the scenario has (empty: the kind cannot be used).
    pub(crate) fn of_kind(&self, kind: FaultKind) -> Vec<String> {
        match kind {
            FaultKind::Crash
            | FaultKind::Stop
            | FaultKind::Isolate
            | FaultKind::Drift
            | FaultKind::Loss => self.nodes.clone(),
            FaultKind::Partition | FaultKind::Block | FaultKind::Latency => {
                if self.nodes.len() >= 2 {
                    self.nodes.clone()
                } else {
                    Vec::new()
                }
            }
            FaultKind::Gateway if self.gateway => self.nodes.clone(),
            FaultKind::Gateway => Vec::new(),
            FaultKind::Ifdown => self.interfaces.iter().cloned().collect(),
            FaultKind::Script => self.scripts.iter().cloned().collect(),
            FaultKind::Trackfile => self.track_files.iter().cloned().collect(),
            FaultKind::Backend => self.backends.clone(),
            FaultKind::Reload => self.configs.clone(),
        }
    }

    fn what(kind: FaultKind) -> &'static str {
        match kind {
            FaultKind::Ifdown => "interface",
            FaultKind::Script => "vrrp_script",
            FaultKind::Trackfile => "vrrp_track_file",
            FaultKind::Backend => "checked real server",
            FaultKind::Reload => "config (the scenario's [configs])",
            _ => "node",
        }
    }
}

/// The time the cluster needs to settle after a fault: twice the longest Master_Down_Interval,
/// one advert interval, the longest preempt_delay and the slowest script's rise + fall, plus 1 s.
pub fn settle_time(scenario: &Scenario) -> Duration {
    let mut mdi = Duration::ZERO;
    let mut advert = Duration::ZERO;
    let mut preempt = Duration::ZERO;
    let mut scripts = Duration::ZERO;
    for n in &scenario.nodes {
        for i in &n.config.instances {
            let d = timing::master_down_interval(
                i.version,
                i.priority.max(1),
                i.advert_interval,
                i.down_timer_adverts,
            );
            mdi = mdi.max(d);
            advert = advert.max(i.advert_interval);
            if let vrrplab_core::vrrp::Preempt::Delay(p) = i.preempt {
                preempt = preempt.max(p);
            }
        }
        for s in &n.config.scripts {
            scripts = scripts.max(s.interval * (s.rise.max(1) + s.fall.max(1)));
        }
    }
    mdi * 2 + advert + preempt + scripts + Duration::from_secs(1)
}

fn whole_seconds(d: Duration) -> Duration {
    Duration::from_secs(d.as_secs() + u64::from(d.subsec_nanos() > 0))
}

impl Nemesis {
    /// The defaults for `scenario`: every kind it has targets for except `reload` (crash, stop,
    /// partition, isolate, block, loss ≤ 30 %, latency ≤ 2 s, drift ≤ 5 %, ifdown on the
    /// configured interfaces, the scripts and track files that exist, gateway when the scenario
    /// has one, backend faults on checked real servers); 1–3 faults per plan; warm-up = settle
    /// time, window 30 s, quiet tail = settle time + 5 s (whole seconds).
    pub fn defaults(scenario: &Scenario) -> Nemesis {
        let targets = Targets::of(scenario);
        let kinds = FAULT_KINDS
            .iter()
            .copied()
            .filter(|k| *k != FaultKind::Reload && !targets.of_kind(*k).is_empty())
            .map(|kind| KindSpec {
                kind,
                targets: Vec::new(),
                cap: default_cap(kind),
            })
            .collect();
        let settle = whole_seconds(settle_time(scenario));
        Nemesis {
            kinds,
            max_faults: 3,
            warmup: settle,
            window: Duration::from_secs(30),
            quiet: settle + Duration::from_secs(5),
            split_brain_fails: false,
        }
    }

    /// Parses a `--nemesis` spec over the [`Nemesis::defaults`] of `scenario`: when the spec
    /// names kinds, only those are used.
    pub fn parse(spec: &str, scenario: &Scenario) -> Result<Nemesis, NemesisError> {
        Nemesis::defaults(scenario).with_spec(spec, scenario)
    }

    /// Applies a spec's items to this nemesis (kinds given replace the kinds; settings given
    /// replace the settings).
    pub fn with_spec(mut self, spec: &str, scenario: &Scenario) -> Result<Nemesis, NemesisError> {
        let targets = Targets::of(scenario);
        let mut kinds = Vec::new();
        for item in spec.split(',').map(str::trim) {
            if item.is_empty() {
                continue;
            }
            if let Some((key, value)) = item.split_once('=')
                && !key.contains('<')
            {
                self.set(key.trim(), value.trim())?;
            } else {
                kinds.push(parse_kind(item, &targets)?);
            }
        }
        if !kinds.is_empty() {
            self.kinds = kinds;
        }
        self.check()?;
        Ok(self)
    }

    /// Sets one `KEY=VALUE` setting.
    fn set(&mut self, key: &str, value: &str) -> Result<(), NemesisError> {
        let dur =
            |v: &str| parse_duration(v).or_else(|e| err(format!("`{key}={v}`: {}", e.message)));
        match key {
            "faults" | "max_faults" => {
                self.max_faults = match value.parse::<usize>() {
                    Ok(n) if (1..=20).contains(&n) => n,
                    _ => return err(format!("`{key}={value}`: faults per plan must be 1–20")),
                }
            }
            "warmup" => self.warmup = dur(value)?,
            "window" => self.window = dur(value)?,
            "quiet" => self.quiet = dur(value)?,
            "split_brain" => {
                self.split_brain_fails = match value {
                    "fail" | "failure" => true,
                    "stat" | "statistic" => false,
                    _ => {
                        return err(format!(
                            "`split_brain={value}`: expected `fail` or `statistic`"
                        ));
                    }
                }
            }
            _ => {
                return err(format!(
                    "unknown setting `{key}`; settings: faults, warmup, window, quiet, split_brain"
                ));
            }
        }
        Ok(())
    }

    fn check(&self) -> Result<(), NemesisError> {
        if self.kinds.is_empty() {
            return err("no fault kind is usable for this scenario");
        }
        if self.window < Duration::from_secs(1) {
            return err("the window must be at least 1s");
        }
        Ok(())
    }

    /// The nemesis as a spec [`Nemesis::parse`] reads back.
    pub fn spec(&self) -> String {
        let mut items: Vec<String> = self.kinds.iter().map(|k| k.to_string()).collect();
        items.push(format!("faults={}", self.max_faults));
        items.push(format!("warmup={}", format_duration(self.warmup)));
        items.push(format!("window={}", format_duration(self.window)));
        items.push(format!("quiet={}", format_duration(self.quiet)));
        if self.split_brain_fails {
            items.push("split_brain=fail".into());
        }
        items.join(",")
    }
}

/// The `[nemesis]` table of a scenario file as a spec (`None` without one): `kinds` (a spec
/// string or a list of kind items), `faults`, `warmup`, `window`, `quiet`, `split_brain`.
pub fn spec_from_scenario_toml(text: &str, origin: &str) -> Result<Option<String>, NemesisError> {
    let table: toml::Table = match text.parse() {
        Ok(t) => t,
        Err(e) => return err(format!("{origin}: {e}")),
    };
    let Some(n) = table.get("nemesis") else {
        return Ok(None);
    };
    let Some(n) = n.as_table() else {
        return err(format!("{origin}: `nemesis` must be a table ([nemesis])"));
    };
    let mut items = Vec::new();
    for (key, value) in n {
        let text = match (key.as_str(), value) {
            ("kinds", toml::Value::String(s)) => s.clone(),
            ("kinds", toml::Value::Array(a)) => {
                let mut v = Vec::new();
                for x in a {
                    match x.as_str() {
                        Some(s) => v.push(s.to_string()),
                        None => return err(format!("{origin}: [nemesis] kinds: expected strings")),
                    }
                }
                v.join(",")
            }
            ("faults", toml::Value::Integer(i)) => format!("faults={i}"),
            ("split_brain_fails", toml::Value::Boolean(b)) => {
                format!("split_brain={}", if *b { "fail" } else { "statistic" })
            }
            (
                k @ ("faults" | "warmup" | "window" | "quiet" | "split_brain"),
                toml::Value::String(s),
            ) => {
                format!("{k}={s}")
            }
            (k, _) => {
                return err(format!(
                    "{origin}: [nemesis] `{k}`: unknown key or wrong type; keys: kinds (string or \
                     list), faults (integer), warmup, window, quiet (durations), split_brain \
                     (\"fail\" or \"statistic\")"
                ));
            }
        };
        items.push(text);
    }
    Ok(Some(items.join(",")))
}

fn default_cap(kind: FaultKind) -> Option<Cap> {
    match kind {
        FaultKind::Loss => Some(Cap::Percent(30)),
        FaultKind::Latency => Some(Cap::Duration(Duration::from_secs(2))),
        FaultKind::Drift => Some(Cap::Percent(5)),
        _ => None,
    }
}

fn parse_kind(item: &str, targets: &Targets) -> Result<KindSpec, NemesisError> {
    let (head, cap) = match item.split_once("<=") {
        Some((h, c)) => (h.trim(), Some(c.trim())),
        None => (item, None),
    };
    let (name, list) = match head.split_once(':') {
        Some((n, l)) => (n.trim(), Some(l.trim())),
        None => (head, None),
    };
    let Some(kind) = FaultKind::from_name(name) else {
        let names: Vec<&str> = FAULT_KINDS.iter().map(|k| k.name()).collect();
        return err(format!(
            "unknown fault kind `{name}` in `{item}`; kinds: {}",
            names.join(", ")
        ));
    };
    let available = targets.of_kind(kind);
    if available.is_empty() {
        let why = match kind {
            FaultKind::Gateway => "the scenario has no gateway host (gateway = true)".to_string(),
            FaultKind::Partition | FaultKind::Block | FaultKind::Latency => {
                "it needs two nodes".to_string()
            }
            _ => format!("the scenario has no {}", Targets::what(kind)),
        };
        return err(format!("`{item}`: {why}"));
    }
    let mut chosen = Vec::new();
    if let Some(list) = list {
        for t in list.split('+').map(str::trim) {
            if !available.iter().any(|a| a == t) {
                return err(format!(
                    "`{item}`: unknown {} `{t}`; the scenario has: {}",
                    Targets::what(kind),
                    available.join(", ")
                ));
            }
            if !chosen.iter().any(|c: &String| c == t) {
                chosen.push(t.to_string());
            }
        }
        let pairs = matches!(
            kind,
            FaultKind::Partition | FaultKind::Block | FaultKind::Latency
        );
        if pairs && chosen.len() < 2 {
            return err(format!("`{item}`: `{name}` needs at least two nodes"));
        }
    }
    let cap = match cap {
        None => default_cap(kind),
        Some(text) => Some(parse_cap(kind, text, item)?),
    };
    Ok(KindSpec {
        kind,
        targets: chosen,
        cap,
    })
}

fn parse_cap(kind: FaultKind, text: &str, item: &str) -> Result<Cap, NemesisError> {
    let percent = |max: u8| -> Result<Cap, NemesisError> {
        match text.strip_suffix('%').map(|p| p.trim().parse::<u8>()) {
            Some(Ok(p)) if (1..=max).contains(&p) => Ok(Cap::Percent(p)),
            _ => err(format!(
                "`{item}`: bad percentage `{text}`; expected 1%–{max}%"
            )),
        }
    };
    match kind {
        FaultKind::Loss => percent(100),
        FaultKind::Drift => percent(50),
        FaultKind::Latency => match parse_duration(text) {
            Ok(d) if d >= Duration::from_millis(1) => Ok(Cap::Duration(d)),
            _ => err(format!(
                "`{item}`: bad latency bound `{text}`; expected a duration like 500ms"
            )),
        },
        _ => err(format!(
            "`{item}`: `{}` takes no bound (only loss, latency and drift do)",
            kind.name()
        )),
    }
}
