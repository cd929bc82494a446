//! `vrrplab sim --explore N` (generated fault plans over the user's configs, in parallel,
//! failures shrunk) and `vrrplab sim merge A.json B.json …` (shard summaries → one summary).
//!
//! Output: the summary as text (or `--json`), a progress bar on a terminal (stderr), the wall
//! time and plans per second on stderr (kept out of the summary, which must not depend on the
//! machine). `--save FILE` writes the first failure's shrunk plan as a scenario file. Exit
//! status: 0 every plan held, 1 a plan failed, 2 the input is unusable.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use vrrplab_sim::explore::nemesis::spec_from_scenario_toml;
use vrrplab_sim::explore::reproduce::scenario_file;
use vrrplab_sim::explore::{
    Exploration, Nemesis, Property, Source, Summary, default_jobs, explore, text,
};
use vrrplab_sim::scenario::Scenario;

/// Exploration options of `vrrplab sim` (besides the scenario, settings and `--json`).
#[derive(Debug, Clone)]
pub struct Options {
    /// Plans in the exploration.
    pub plans: u64,
    /// `--nemesis` spec.
    pub nemesis: Option<String>,
    /// Exploration seed.
    pub seed: u64,
    /// Worker threads.
    pub jobs: Option<usize>,
    /// `--shard K/M`.
    pub shard: Option<String>,
    /// `--save FILE`.
    pub save: Option<PathBuf>,
    /// Runs allowed to shrink one failure.
    pub shrink_runs: u32,
    /// Print JSON.
    pub json: bool,
}

fn usage(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("vrrplab sim: {message}");
    ExitCode::from(2)
}

/// Parses `K/M` (0 ≤ K < M).
pub fn parse_shard(text: &str) -> Result<(u64, u64), String> {
    let bad = || format!("--shard `{text}`: expected K/M with 0 ≤ K < M, e.g. 0/4");
    let (k, m) = text.split_once('/').ok_or_else(bad)?;
    let (k, m): (u64, u64) = (
        k.trim().parse().map_err(|_| bad())?,
        m.trim().parse().map_err(|_| bad())?,
    );
    if m == 0 || k >= m {
        return Err(bad());
    }
    Ok((k, m))
}

fn bar(total: u64, what: &str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{spinner}} {what} {{pos}}/{{len}} plans [{{bar:40}}] {{elapsed_precise}} eta {{eta}}"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar
}

fn print(summary: &Summary, json: bool) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(summary).unwrap_or_default()
        );
    } else {
        print!("{}", text::render(summary));
    }
}

/// Runs an exploration of `scenario` (built from `source`).
pub fn run(scenario: &Scenario, source: &Source, o: &Options) -> ExitCode {
    let mut nemesis = Nemesis::defaults(scenario);
    if let Source::File(path) = source {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => return usage(format!("cannot read {path}: {e}")),
        };
        match spec_from_scenario_toml(&text, path) {
            Ok(Some(spec)) => match nemesis.with_spec(&spec, scenario) {
                Ok(n) => nemesis = n,
                Err(e) => return usage(format!("{path}: [nemesis]: {e}")),
            },
            Ok(None) => {}
            Err(e) => return usage(e),
        }
    }
    if let Some(spec) = &o.nemesis {
        match nemesis.with_spec(spec, scenario) {
            Ok(n) => nemesis = n,
            Err(e) => return usage(e),
        }
    }
    let shard = match o.shard.as_deref().map(parse_shard).transpose() {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    let property = Property::healthy_network();
    let x = Exploration {
        base: scenario,
        nemesis: &nemesis,
        property: &property,
        source,
        seed: o.seed,
        plans: o.plans,
        shard,
        jobs: o.jobs.unwrap_or_else(default_jobs).max(1),
        shrink_budget: o.shrink_runs,
    };
    let total = vrrplab_sim::explore::run::indices(&x).len() as u64;
    let progress = bar(total, "explore");
    let started = Instant::now();
    let e = explore(&x, &mut |done, _| progress.set_position(done));
    progress.finish_and_clear();
    let wall = started.elapsed().as_secs_f64();
    eprintln!(
        "explore: {} plans in {:.1} s wall on {} job(s): {:.1} plans/s, {:.0}× real time",
        e.summary.plans_run,
        wall,
        x.jobs,
        e.summary.plans_run as f64 / wall.max(1e-9),
        e.summary.simulated_us as f64 / 1e6 / wall.max(1e-9)
    );
    print(&e.summary, o.json);
    if let Some(path) = &o.save {
        match (e.summary.failures.first(), e.shrunk.first()) {
            (Some(f), Some(plan)) => {
                let header = format!(
                    "vrrplab sim --explore: plan {} (seed {}) of exploration seed {}, shrunk.\nReproduce: vrrplab sim {}\nFails with:\n{}",
                    f.index,
                    f.seed,
                    o.seed,
                    path.display(),
                    f.shrunk.reasons.join("\n")
                );
                match scenario_file(source, scenario, plan, nemesis.split_brain_fails, &header)
                    .and_then(|t| std::fs::write(path, t).map_err(|e| e.to_string()))
                {
                    Ok(()) => eprintln!("explore: shrunk plan saved to {}", path.display()),
                    Err(err) => return usage(format!("{}: {err}", path.display())),
                }
            }
            _ => eprintln!("explore: nothing failed, {} not written", path.display()),
        }
    }
    if e.summary.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `vrrplab sim merge FILES…`.
pub fn merge(files: &[PathBuf], json: bool) -> ExitCode {
    let mut parts = Vec::new();
    for f in files {
        let text = match std::fs::read_to_string(f) {
            Ok(t) => t,
            Err(e) => return usage(format!("cannot read {}: {e}", f.display())),
        };
        match serde_json::from_str::<Summary>(&text) {
            Ok(s) => parts.push(s),
            Err(e) => {
                return usage(format!(
                    "{}: not an exploration summary (vrrplab sim --explore … --json): {e}",
                    f.display()
                ));
            }
        }
    }
    match Summary::merge(&parts) {
        Ok(s) => {
            print(&s, json);
            if let Some(sh) = &s.shards {
                eprintln!(
                    "merge: {} of {} shards present; the summary covers only those",
                    sh.covered.len(),
                    sh.of
                );
            }
            if s.failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => usage(format!("merge: {e}")),
    }
}
