//! Times each stage of the analysis on a snapshot: `cargo run --release --example analysis_timing SNAP`.

use std::time::Instant;

use heapdiff::algo::{Components, DominatorTree, ShortestPaths};

fn main() {
    let path = std::env::args().nth(1).expect("usage: analysis_timing SNAPSHOT");
    let t = Instant::now();
    let g = heapdiff::load(&path).expect("a snapshot");
    println!("load        {:>7.3} s  ({} objects, {} edges)", t.elapsed().as_secs_f64(), g.node_count(), g.edge_count());
    println!("            rss {} MiB, peak {} MiB", status("VmRSS:"), status("VmHWM:"));
    let t = Instant::now();
    let paths = ShortestPaths::new(&g);
    println!("paths       {:>7.3} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let mut starts = g.root_nodes();
    starts.extend_from_slice(paths.representatives());
    let tree = DominatorTree::new(&g, &starts);
    println!("dominators  {:>7.3} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let (retained, _) = heapdiff::algo::retained::retained_sizes(&g, &tree);
    let by_type = heapdiff::algo::retained::retained_by_type(&g, &tree, &retained);
    println!("retained    {:>7.3} s  ({} types)", t.elapsed().as_secs_f64(), by_type.len());
    drop((paths, tree, retained));
    let t = Instant::now();
    let a = heapdiff::Analysis::new(&g);
    println!("Analysis    {:>7.3} s", t.elapsed().as_secs_f64());
    println!("            rss {} MiB, peak {} MiB", status("VmRSS:"), status("VmHWM:"));
    let t = Instant::now();
    let top = heapdiff::top::top(&a, 20);
    println!("top 20      {:>7.3} s  (first: {})", t.elapsed().as_secs_f64(), top.holders.first().map_or("", |h| h.path.as_str()));
    let t = Instant::now();
    let c = Components::of_cycles(&g);
    println!("components  {:>7.3} s  ({} components)", t.elapsed().as_secs_f64(), c.count());
    let t = Instant::now();
    let cycles = a.cycles();
    println!("cycles      {:>7.3} s  ({} cycles)", t.elapsed().as_secs_f64(), cycles.len());
}

/// A `/proc/self/status` field in MiB (Linux; 0 elsewhere).
fn status(field: &str) -> u64 {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: u64 = text
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    kb / 1024
}
