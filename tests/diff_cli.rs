//! `heapdiff A B`, `heapdiff diff`, `heapdiff trend` through the built binary: exit statuses,
//! warnings, JSON. Snapshots are written by hand in the format of docs/FORMAT.md.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

/// A snapshot of a process `pid` at `time` whose `sys.modules['app']['cache']` dict holds
/// `entries` strings of 1000 bytes (ids 100, 101, ...).
fn snapshot(dir: &Path, name: &str, pid: u64, time: f64, entries: u64) -> PathBuf {
    let mut objects = vec![
        // sys.modules -> app (module dict) -> cache
        "[1,900,1200,[2],[1]]".to_string(),
        "[2,900,600,[3],[2]]".to_string(),
        format!(
            "[3,900,{},[{}],[{}]]",
            64 + 32 * entries,
            (0..entries)
                .map(|i| (100 + i).to_string())
                .collect::<Vec<_>>()
                .join(","),
            (0..entries)
                .map(|i| (3 + i).to_string())
                .collect::<Vec<_>>()
                .join(",")
        ),
    ];
    for i in 0..entries {
        objects.push(format!("[{},902,1000,[]]", 100 + i));
    }
    objects.push("[900,901,400,[],[],{\"n\":\"builtins.dict\"}]".into());
    objects.push("[901,901,400,[],[],{\"n\":\"builtins.type\"}]".into());
    objects.push("[902,901,400,[],[],{\"n\":\"builtins.str\"}]".into());
    let mut labels = vec![
        "\"\"".to_string(),
        "\"['app']\"".into(),
        "\"['cache']\"".into(),
    ];
    labels.extend((0..entries).map(|i| format!("\"['k{i}']\"")));
    let text = format!(
        "{{\"format\":\"heapdiff\",\"version\":1,\n\"header\":{{\"python\":\"3.11.7\",\"implementation\":\"cpython\",\"pid\":{pid},\"time\":{time},\"time_iso\":\"\",\"rss\":1000000}},\n\"roots\":[[1,\"modules\",\"sys.modules\"]],\n\"objects\":[\n{}\n],\n\"labels\":[\n{}\n],\n\"trailer\":{{\"objects\":{},\"edges\":{},\"seconds\":0.1,\"bytes\":0}}}}\n",
        objects.join(",\n"),
        labels.join(",\n"),
        objects.len(),
        2 + entries,
    );
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn heapdiff() -> Command {
    Command::cargo_bin("heapdiff").unwrap()
}

#[test]
fn growth_over_fail_over_exits_1_and_under_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let a = snapshot(dir.path(), "a.json", 7, 100.0, 2);
    let b = snapshot(dir.path(), "b.json", 7, 160.0, 12);
    // 10 new 1000-byte strings + 320 bytes of dict growth = 10,320 bytes held by the cache
    heapdiff()
        .args([&a, &b]).args(["--fail-over", "10KiB"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("+10 objects, +10.1 KiB, held by sys.modules['app']['cache'] (dict, already there before)"))
        .stderr(predicate::str::contains("over --fail-over 10.0 KiB"));
    heapdiff()
        .args([&a, &b])
        .args(["--fail-over", "11KiB"])
        .assert()
        .code(0)
        .stderr("");
    heapdiff()
        .arg("diff")
        .args([&a, &b])
        .args(["--fail-over", "10 kB"])
        .assert()
        .code(1);
}

#[test]
fn a_bad_size_or_a_missing_file_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let a = snapshot(dir.path(), "a.json", 7, 100.0, 2);
    heapdiff()
        .args([&a, &a])
        .args(["--fail-over", "lots"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid size"));
    heapdiff()
        .arg(&a)
        .arg(dir.path().join("missing.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("error: "));
    heapdiff().arg(&a).assert().code(2);
}

#[test]
fn another_process_or_an_older_second_snapshot_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let a = snapshot(dir.path(), "a.json", 7, 100.0, 2);
    let other = snapshot(dir.path(), "other.json", 8, 160.0, 2);
    let b = snapshot(dir.path(), "b.json", 7, 160.0, 12);
    heapdiff().args([&a, &other]).assert().code(0).stderr(
        predicate::str::starts_with("warning: ")
            .and(predicate::str::contains("different processes")),
    );
    heapdiff()
        .args([&b, &a])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("swap the arguments"));
}

#[test]
fn the_top_level_form_equals_the_subcommand_and_summary_still_works() {
    let dir = tempfile::tempdir().unwrap();
    let a = snapshot(dir.path(), "a.json", 7, 100.0, 2);
    let b = snapshot(dir.path(), "b.json", 7, 160.0, 12);
    let top = heapdiff().args([&a, &b]).output().unwrap();
    let sub = heapdiff().arg("diff").args([&a, &b]).output().unwrap();
    assert_eq!(top.stdout, sub.stdout);
    heapdiff()
        .arg("summary")
        .arg(&a)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("builtins.str"));
}

#[test]
fn json_has_the_answer_suspects_and_types() {
    let dir = tempfile::tempdir().unwrap();
    let a = snapshot(dir.path(), "a.json", 7, 100.0, 2);
    let b = snapshot(dir.path(), "b.json", 7, 160.0, 12);
    let out = heapdiff().args([&a, &b]).arg("--json").output().unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["growth"], 10_320);
    assert_eq!(v["seconds"], 60.0);
    assert_eq!(v["suspects"][0]["path"], "sys.modules['app']['cache']");
    assert_eq!(v["suspects"][0]["samples"][0], "['k2']");
    assert_eq!(v["types"][0]["type"], "builtins.str");
    assert_eq!(v["types"][0]["count_delta"], 10);
    assert_eq!(v["classes"]["new"], 10);
}

#[test]
fn trend_needs_three_snapshots_and_names_the_leak() {
    let dir = tempfile::tempdir().unwrap();
    let s: Vec<PathBuf> = (0..4)
        .map(|i| {
            snapshot(
                dir.path(),
                &format!("s{i}.json"),
                7,
                100.0 + i as f64,
                2 + 5 * i,
            )
        })
        .collect();
    heapdiff().arg("trend").args(&s[..2]).assert().code(2);
    let out = heapdiff()
        .arg("trend")
        .args(&s)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["holders"][0]["name"], "sys.modules['app']['cache']");
    assert_eq!(v["holders"][0]["verdict"], "leak");
    assert_eq!(
        v["holders"][0]["bytes"],
        serde_json::json!([5160, 5160, 5160])
    );
    heapdiff()
        .arg("trend")
        .args(&s)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("grows in every interval"));
}
