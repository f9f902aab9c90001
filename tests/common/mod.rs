//! Helpers shared by the integration tests: real snapshots written by the agent.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Python that runs the agent: the test venv's when there is one, else `python3`.
pub fn python() -> PathBuf {
    let venv = repo().join(".venv/bin/python");
    if venv.exists() { venv } else { PathBuf::from("python3") }
}

/// Runs `code` in a fresh Python process with the agent importable; `code` may use `OUT`, the path
/// of the snapshot to write. Returns that path. Panics with the program's stderr if it fails.
pub fn agent_snapshot(dir: &Path, name: &str, code: &str) -> PathBuf {
    let out = dir.join(name);
    let status = Command::new(python())
        .arg("-c")
        .arg(format!("OUT = {:?}\n{code}", out.display().to_string()))
        .env("PYTHONPATH", repo().join("python"))
        .output()
        .expect("python3 runs");
    assert!(status.status.success(), "the agent program failed: {}", String::from_utf8_lossy(&status.stderr));
    assert!(out.exists(), "the agent wrote no snapshot");
    out
}

/// A small real heap: a module-level cache of class instances, dumped by the agent.
pub const SMALL_PROGRAM: &str = r#"
import sys, types
mod = types.ModuleType("app"); sys.modules["app"] = mod
class User:
    def __init__(self, i): self.name = "user%d" % i; self.tags = [i, i + 1]
mod.User = User
mod.cache = {"user:%d" % i: User(i) for i in range(50)}
import heapdiff.agent
heapdiff.agent.dump(OUT)
"#;
