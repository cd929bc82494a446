//! `vrrplab sim`: run a simulated cluster and print its timeline and verdict.
//!
//! Forms: no argument (the embedded LVS-DR default), `vrrplab sim SCENARIO.toml`, or the quick
//! form `vrrplab sim --node a.conf --node b.conf --fault '12s block b<-a' …`. Outputs: text
//! (default), `--json`, `--pcap FILE`, `--svg FILE`; `--sweep N` runs N seeds with a progress
//! bar; `--explore N` runs generated fault plans (see `cmd::explore`), `sim merge` combines
//! their shard summaries. Exit status: 0 pass, 1 an expectation or invariant failed, 2 the input
//! is unusable.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use vrrplab_sim::fault::{Fault, parse_duration};
use vrrplab_sim::scenario::{
    NodeSpec, Scenario, default_address, default_scenario, load_keepalived_conf,
    load_keepalived_health,
};
use vrrplab_sim::{analyse, report, run as run_sim, sweep};

/// Arguments of `vrrplab sim`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scenario file (TOML). Without it and without --node, the embedded default runs.
    pub scenario: Option<PathBuf>,
    /// keepalived.conf of one node (repeat; nodes are named a, b, c… at 192.0.2.11, .12, …, or
    /// fe80::11, ::12, … when every instance is IPv6). Its virtual_server checks run against
    /// simulated real servers.
    #[arg(long = "node", value_name = "FILE")]
    pub nodes: Vec<PathBuf>,
    /// A fault, e.g. '12s block b<-a', '30s crash a', '5s loss a<->b 30%',
    /// '20s backend-down 192.0.2.21:80' (repeat; with the embedded default it replaces the
    /// default plan and its expectations).
    #[arg(long = "fault", value_name = "SPEC")]
    pub faults: Vec<String>,
    /// RNG seed (overrides the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Simulated duration, e.g. 60s, 10m (overrides the scenario's).
    #[arg(long)]
    pub duration: Option<String>,
    /// turmoil tick, e.g. 10ms (delivery is rounded up to it).
    #[arg(long)]
    pub tick: Option<String>,
    /// Fixed one-way latency, e.g. 1ms (sets min and max).
    #[arg(long)]
    pub latency: Option<String>,
    /// Maximum one-way latency (random between min and max, drawn from the seed).
    #[arg(long)]
    pub max_latency: Option<String>,
    /// Add a client host whose ARP / neighbour cache follows the GARPs / unsolicited NAs.
    #[arg(long)]
    pub client: bool,
    /// Print the result as JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Write the simulated segment's traffic to a pcap file.
    #[arg(long, value_name = "FILE")]
    pub pcap: Option<PathBuf>,
    /// Write a timeline picture (SVG).
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Run N seeds (from --seed) and summarise split-brain and failover statistics.
    #[arg(long, value_name = "N")]
    pub sweep: Option<u64>,
    /// Explore: run N generated fault plans (seeded by --seed, default 1) over the nodes and
    /// shrink each failure to a minimal plan with a command that reproduces it.
    #[arg(long, value_name = "N", conflicts_with_all = ["sweep", "faults", "duration", "pcap", "svg"])]
    pub explore: Option<u64>,
    /// What explored plans may do, e.g. 'crash,block,loss<=30%,faults=2,window=20s'
    /// (kinds: crash stop partition isolate block loss latency drift ifdown script trackfile
    /// gateway backend reload; settings: faults warmup window quiet split_brain=fail).
    #[arg(long, value_name = "SPEC", requires = "explore")]
    pub nemesis: Option<String>,
    /// Worker threads for --explore (default: every core).
    #[arg(long, value_name = "N", requires = "explore")]
    pub jobs: Option<usize>,
    /// Run only shard K of M of the plans (0 ≤ K < M; plan i belongs to shard i mod M).
    #[arg(long, value_name = "K/M", requires = "explore")]
    pub shard: Option<String>,
    /// Write the first failure's shrunk plan as a scenario file.
    #[arg(long, value_name = "FILE", requires = "explore")]
    pub save: Option<PathBuf>,
    /// Runs allowed to shrink one failure.
    #[arg(long, value_name = "N", default_value_t = 200, requires = "explore")]
    pub shrink_runs: u32,
    /// With a scenario file: the --fault list replaces the file's plan (and its
    /// `expect.split_brain = true`, which belonged to that plan).
    #[arg(long)]
    pub replace_faults: bool,
    /// Fail the run on any split-brain (expect split_brain = false).
    #[arg(long)]
    pub no_split_brain: bool,
    /// `merge`: combine shard summaries.
    #[command(subcommand)]
    pub action: Option<Action>,
}

/// Subcommands of `vrrplab sim`.
#[derive(clap::Subcommand, Debug)]
pub enum Action {
    /// Combine `--explore … --shard K/M --json` summaries into one summary (all M shards give
    /// exactly the unsharded summary).
    Merge {
        /// Shard summaries (JSON).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print the merged summary as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn usage(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("vrrplab sim: {message}");
    ExitCode::from(2)
}

fn build(args: &Args) -> Result<Scenario, String> {
    let loader = |text: &str, origin: &str| load_keepalived_conf(text, origin);
    let mut scenario = if let Some(path) = &args.scenario {
        if !args.nodes.is_empty() {
            return Err("give a scenario file or --node files, not both".into());
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut s = Scenario::from_toml(&text, &path.display().to_string(), base, &loader)
            .map_err(|e| e.to_string())?;
        if args.replace_faults {
            s.faults = Default::default();
            if s.expect.split_brain == Some(true) {
                s.expect.split_brain = None;
            }
        }
        s
    } else if !args.nodes.is_empty() {
        let mut nodes = Vec::new();
        for (k, path) in args.nodes.iter().enumerate() {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let config = load_keepalived_conf(&text, &path.display().to_string())?;
            let name = ((b'a' + (k % 26) as u8) as char).to_string();
            let health = load_keepalived_health(&text, &path.display().to_string());
            nodes.push(NodeSpec::new(&name, default_address(k), config).with_health(health));
        }
        let mut s = Scenario::new("quick scenario (--node)", nodes);
        s.client = args.client;
        s
    } else {
        let mut s = default_scenario(Some(&loader));
        if !args.faults.is_empty() || args.explore.is_some() {
            s.faults = Default::default();
            s.expect = Default::default();
        }
        s
    };
    for f in &args.faults {
        scenario
            .faults
            .push(Fault::parse(f).map_err(|e| e.to_string())?);
    }
    if args.client {
        scenario.client = true;
    }
    if args.no_split_brain {
        scenario.expect.split_brain = Some(false);
    }
    // `reload N FILE`: a config the scenario does not name is read as a keepalived.conf path.
    let wanted: Vec<String> = scenario
        .faults
        .faults()
        .iter()
        .filter_map(|f| match &f.action {
            vrrplab_sim::FaultAction::Reload { config, .. } => Some(config.clone()),
            _ => None,
        })
        .collect();
    for name in wanted {
        if !scenario.configs.contains_key(&name) && Path::new(&name).is_file() {
            let text =
                std::fs::read_to_string(&name).map_err(|e| format!("cannot read {name}: {e}"))?;
            let config = load_keepalived_conf(&text, &name)?;
            scenario.configs.insert(name, config);
        }
    }
    let d = |t: &str| parse_duration(t).map_err(|e| e.to_string());
    let st = &mut scenario.settings;
    if let Some(seed) = args.seed {
        st.seed = seed;
    }
    if let Some(t) = &args.duration {
        st.duration = d(t)?;
    }
    if let Some(t) = &args.tick {
        st.tick = d(t)?;
    }
    if let Some(t) = &args.latency {
        st.min_latency = d(t)?;
        st.max_latency = st.min_latency;
    }
    if let Some(t) = &args.max_latency {
        st.max_latency = d(t)?;
    }
    st.record_packets = args.pcap.is_some();
    scenario.validate().map_err(|e| e.to_string())?;
    Ok(scenario)
}

fn run_sweep(scenario: &Scenario, n: u64, json: bool) -> ExitCode {
    let bar = indicatif::ProgressBar::new(n);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} sweep {pos}/{len} seeds [{bar:40}] {elapsed_precise} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let result = sweep::sweep(scenario, n, |done| bar.set_position(done));
    bar.finish_and_clear();
    match result {
        Ok(summary) => {
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&summary).unwrap_or_default()
                );
            } else {
                println!("vrrplab sim — {}", scenario.name);
                print!("{summary}");
                let lossy = scenario.faults.faults().iter().any(|f| {
                    matches!(f.action, vrrplab_sim::FaultAction::Loss { percent, .. } if percent > 0)
                });
                if scenario.settings.min_latency == scenario.settings.max_latency && !lossy {
                    println!(
                        "  note: latency is fixed and nothing is lost, so every seed gives the same                          run; widen it with --max-latency (e.g. 20ms) or add a loss fault"
                    );
                }
            }
            if summary.passed == summary.runs {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => usage(e),
    }
}

/// Runs `vrrplab sim`.
pub fn run(args: Args) -> ExitCode {
    if let Some(Action::Merge { files, json }) = &args.action {
        return super::explore::merge(files, *json || args.json);
    }
    let scenario = match build(&args) {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    if let Some(plans) = args.explore {
        let source = match &args.scenario {
            Some(p) => vrrplab_sim::explore::Source::File(p.display().to_string()),
            None if !args.nodes.is_empty() => vrrplab_sim::explore::Source::Nodes(
                args.nodes.iter().map(|p| p.display().to_string()).collect(),
            ),
            None => {
                return usage(
                    "--explore needs the nodes: --node a.conf --node b.conf … or a scenario file",
                );
            }
        };
        let options = super::explore::Options {
            plans,
            nemesis: args.nemesis.clone(),
            seed: args.seed.unwrap_or(1),
            jobs: args.jobs,
            shard: args.shard.clone(),
            save: args.save.clone(),
            shrink_runs: args.shrink_runs,
            json: args.json,
        };
        return super::explore::run(&scenario, &source, &options);
    }
    if let Some(n) = args.sweep {
        return run_sweep(&scenario, n, args.json);
    }
    let record = match run_sim(&scenario) {
        Ok(r) => r,
        Err(e) => return usage(e),
    };
    let analysis = analyse(&scenario, &record);
    if let Some(path) = &args.pcap {
        let hosts = scenario.host_addresses();
        let written = std::fs::File::create(path)
            .map_err(|e| e.to_string())
            .and_then(|f| {
                report::pcap::write(std::io::BufWriter::new(f), &record.packets, &hosts)
                    .map_err(|e| e.to_string())
            });
        if let Err(e) = written {
            return usage(format!("{}: {e}", path.display()));
        }
    }
    if let Some(path) = &args.svg
        && let Err(e) = std::fs::write(path, report::svg::render(&scenario, &record, &analysis))
    {
        return usage(format!("{}: {e}", path.display()));
    }
    if args.json {
        let doc = report::json::render(&scenario, &record, &analysis);
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        print!("{}", report::text::render(&scenario, &record, &analysis));
    }
    if analysis.passed(&scenario) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
