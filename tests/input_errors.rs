//! Bad input never panics: each class of broken snapshot gets one line on stderr naming the file,
//! the line and the problem, and exit status 2. The broken files are made by editing a real
//! snapshot that the agent wrote, the way such files occur (a cut-off copy, a hand edit, a bug).

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn heapdiff() -> Command {
    Command::cargo_bin("heapdiff").unwrap()
}

struct Fixture {
    dir: tempfile::TempDir,
    good: PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let good = common::agent_snapshot(dir.path(), "good.json", common::SMALL_PROGRAM);
    Fixture { dir, good }
}

impl Fixture {
    fn lines(&self) -> Vec<String> {
        std::fs::read_to_string(&self.good).unwrap().lines().map(str::to_string).collect()
    }
    fn write(&self, name: &str, lines: &[String]) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, lines.join("\n") + "\n").unwrap();
        p
    }
    /// Index of the first object line.
    fn first_object(&self) -> usize {
        self.lines().iter().position(|l| l == "\"objects\":[").unwrap() + 1
    }
}

/// Runs `summary` on `path`, expects exit 2 and one stderr line containing every `needle`.
fn expect_bad(path: &Path, needles: &[&str]) -> String {
    let out = heapdiff().arg("summary").arg(path).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(out.stdout.is_empty(), "nothing on stdout for bad input");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line, got: {stderr}");
    assert!(stderr.contains(&path.display().to_string()), "names the file: {stderr}");
    for n in needles {
        assert!(stderr.contains(n), "expected `{n}` in: {stderr}");
    }
    stderr
}

#[test]
fn a_good_snapshot_is_read() {
    let f = fixture();
    let out = heapdiff().arg("summary").arg(&f.good).args(["--top", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("__main__.User"), "{text}");
}

#[test]
fn truncated_file_is_reported_with_its_last_line() {
    let f = fixture();
    let lines = f.lines();
    let cut = f.write("cut.json", &lines[..lines.len() / 2]);
    expect_bad(&cut, &["truncated"]);
}

#[test]
fn invalid_json_names_the_line() {
    let f = fixture();
    let mut lines = f.lines();
    let k = f.first_object() + 3;
    lines[k] = "[12, 34, {oops},".to_string();
    let p = f.write("invalid.json", &lines);
    expect_bad(&p, &[&format!(":{}:", k + 1)]);
}

#[test]
fn missing_field_is_named() {
    let f = fixture();
    let mut lines = f.lines();
    let k = f.first_object() + 2;
    lines[k] = "[140000000, 94000000],".to_string();
    let p = f.write("missing.json", &lines);
    expect_bad(&p, &[&format!(":{}:", k + 1), "object record"]);
}

#[test]
fn wrongly_typed_field_is_named() {
    let f = fixture();
    let mut lines = f.lines();
    let k = f.first_object() + 1;
    let rec: serde_json::Value = serde_json::from_str(lines[k].trim_end_matches(',')).unwrap();
    lines[k] = format!("[{}, {}, \"big\", []],", rec[0], rec[1]);
    let p = f.write("typed.json", &lines);
    expect_bad(&p, &[&format!(":{}:", k + 1), "`size`"]);

    let mut lines = f.lines();
    lines[1] = lines[1].replacen("\"pid\":", "\"pid\":\"x\",\"old_pid\":", 1);
    let p = f.write("header.json", &lines);
    expect_bad(&p, &[":2:", "header.pid"]);
}

#[test]
fn unknown_version_is_refused_before_anything_else() {
    let f = fixture();
    let mut lines = f.lines();
    lines[0] = "{\"format\":\"heapdiff\",\"version\":99,".to_string();
    lines[5] = "garbage that would fail later".to_string();
    let p = f.write("v99.json", &lines);
    expect_bad(&p, &[":1:", "version `99`"]);
}

#[test]
fn duplicate_id_names_both_lines() {
    let f = fixture();
    let mut lines = f.lines();
    let k = f.first_object();
    let dup = lines[k + 4].clone();
    lines.insert(k + 6, dup);
    // keep the trailer's count honest so the duplicate is what is reported
    let last = lines.len() - 1;
    let t: serde_json::Value = serde_json::from_str(&lines[last]["\"trailer\":".len()..lines[last].len() - 1]).unwrap();
    let n = t["objects"].as_u64().unwrap() + 1;
    lines[last] = lines[last].replacen(&format!("\"objects\":{}", n - 1), &format!("\"objects\":{n}"), 1);
    let p = f.write("dup.json", &lines);
    expect_bad(&p, &["duplicate object id", &format!(":{}:", k + 7), &format!("line {}", k + 5)]);
}

#[test]
fn ref_to_missing_id_is_counted_not_an_error() {
    let f = fixture();
    let mut lines = f.lines();
    let k = (f.first_object()..lines.len())
        .find(|&i| lines[i].starts_with('[') && !lines[i].contains(",[],") && !lines[i].contains(",[]]"))
        .unwrap();
    let mut rec: serde_json::Value = serde_json::from_str(lines[k].trim_end_matches(',')).unwrap();
    rec[3][0] = serde_json::json!(7u64);
    lines[k] = format!("{rec},");
    let p = f.write("dangling.json", &lines);
    let out = heapdiff().arg("summary").arg(&p).arg("--json").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["dangling_refs"], 1);
}

#[test]
fn negative_and_absurd_sizes_are_refused() {
    let f = fixture();
    for (name, size, word) in [("neg.json", "-8".to_string(), "negative"), ("huge.json", (1u64 << 50).to_string(), "absurd")] {
        let mut lines = f.lines();
        let k = f.first_object() + 1;
        let rec: serde_json::Value = serde_json::from_str(lines[k].trim_end_matches(',')).unwrap();
        lines[k] = format!("[{}, {}, {size}, []],", rec[0], rec[1]);
        let p = f.write(name, &lines);
        expect_bad(&p, &[word, &format!(":{}:", k + 1)]);
    }
}

#[test]
fn empty_file_and_other_json_are_not_snapshots() {
    let f = fixture();
    let empty = f.dir.path().join("empty.json");
    std::fs::write(&empty, "").unwrap();
    expect_bad(&empty, &["empty file"]);
    let other = f.dir.path().join("package.json");
    std::fs::write(&other, "{\n  \"name\": \"left-pad\",\n  \"version\": \"1.3.0\"\n}\n").unwrap();
    expect_bad(&other, &["not a heapdiff snapshot", ":1:"]);
}

#[test]
fn truncated_gzip_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let gz = common::agent_snapshot(dir.path(), "s.json.gz", common::SMALL_PROGRAM);
    let bytes = std::fs::read(&gz).unwrap();
    let cut = dir.path().join("cut.json.gz");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    expect_bad(&cut, &["gzip"]);
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let out = heapdiff().arg("summary").arg("/nonexistent/snap.json").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error: /nonexistent/snap.json:"), "{err}");
}

#[test]
fn random_garbage_never_panics() {
    // Every prefix of a real snapshot and random byte flips: exit 0 or 2, never a crash.
    let f = fixture();
    let bytes = std::fs::read(&f.good).unwrap();
    let mut seed = 0x9e3779b97f4a7c15u64;
    for i in 0..40 {
        let mut b = bytes.clone();
        if i % 2 == 0 {
            b.truncate(bytes.len() * i / 40);
        } else {
            for _ in 0..8 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let at = (seed as usize) % b.len();
                b[at] = (seed >> 32) as u8;
            }
        }
        let p = f.dir.path().join(format!("g{i}.json"));
        std::fs::write(&p, &b).unwrap();
        let out = heapdiff().arg("summary").arg(&p).output().unwrap();
        assert!(matches!(out.status.code(), Some(0) | Some(2)), "case {i}: {:?}", out.status);
    }
}

#[test]
fn absurd_inline_bytes_are_refused() {
    let f = fixture();
    let mut lines = f.lines();
    let k = f.first_object() + 1;
    let rec: serde_json::Value = serde_json::from_str(lines[k].trim_end_matches(',')).unwrap();
    lines[k] = format!("[{}, {}, 8, [], [], {{\"i\": 18446744073709551615}}],", rec[0], rec[1]);
    let p = f.write("inline.json", &lines);
    expect_bad(&p, &["absurd", &format!(":{}:", k + 1)]);
}

#[test]
fn sizes_that_add_up_past_i64_are_refused() {
    // Each size is under the 2^48 cap, but 40,000 of them add up past 2^63: the totals every report
    // computes would overflow.
    let dir = tempfile::tempdir().unwrap();
    let good = common::agent_snapshot(dir.path(), "big.json", "keep = [object() for _ in range(40000)]\nimport heapdiff.agent\nheapdiff.agent.dump(OUT)\n");
    let text = std::fs::read_to_string(&good).unwrap();
    let mut in_objects = false;
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            if l == "\"objects\":[" {
                in_objects = true;
            } else if l.starts_with(']') {
                in_objects = false;
            } else if in_objects {
                let comma = if l.ends_with(',') { "," } else { "" };
                let mut rec: serde_json::Value = serde_json::from_str(l.trim_end_matches(',')).unwrap();
                rec[2] = serde_json::json!(1u64 << 48);
                return format!("{rec}{comma}");
            }
            l.to_string()
        })
        .collect();
    let p = dir.path().join("huge-total.json");
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    expect_bad(&p, &["2^63"]);
}

#[test]
fn a_newline_inside_a_quoted_value_keeps_the_error_on_one_line() {
    let f = fixture();
    let mut lines = f.lines();
    let roots: serde_json::Value = serde_json::from_str(lines[2]["\"roots\":".len()..].trim_end_matches(',')).unwrap();
    let id = roots[0][0].clone();
    lines[2] = format!("\"roots\":[[{id},\"bad\\nkind\",\"x\"]],");
    let p = f.write("newline.json", &lines);
    expect_bad(&p, &["unknown root kind", ":3:"]);
}
