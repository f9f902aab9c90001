//! `heapdiff trend S1 S2 S3 ...`: what grows in every interval, apart from what grew once and stopped.
//!
//! Each consecutive pair of snapshots is diffed; holders are identified across intervals by their
//! path text (ids change meaning between snapshots, paths do not), types by name. Each row gets a
//! verdict from its growth per interval, with `min` bytes as the line between a change and no change:
//!
//! - `leak`: grew in every interval;
//! - `saturated`: grew, never shrank, and did not grow in the last interval (a bounded cache that
//!   filled up);
//! - `noise`: anything else (up and down, or growth with pauses in between).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::diff::{Side, Suspect, TypeDelta};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Leak,
    Saturated,
    Noise,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Leak => "leak",
            Verdict::Saturated => "saturated",
            Verdict::Noise => "noise",
        }
    }
}

/// The verdict for a growth series; `None` when nothing changed by more than `min`.
pub fn verdict(growth: &[i64], min: u64) -> Option<Verdict> {
    let min = i64::try_from(min).unwrap_or(i64::MAX);
    let grew = |g: i64| g > min;
    let shrank = |g: i64| g < -min;
    if !growth.iter().any(|&g| grew(g) || shrank(g)) {
        return None;
    }
    if growth.iter().all(|&g| grew(g)) {
        return Some(Verdict::Leak);
    }
    let last = *growth.last().expect("non-empty");
    if !growth.iter().any(|&g| shrank(g)) && !grew(last) {
        return Some(Verdict::Saturated);
    }
    Some(Verdict::Noise)
}

/// One holder or type across the intervals.
#[derive(Debug, Clone, Serialize)]
pub struct TrendRow {
    /// The holder's path (holders) or the type name (types).
    pub name: String,
    /// The holder's type name, as in its last interval (holders only).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_name: Option<String>,
    /// Net bytes gained in each interval.
    pub bytes: Vec<i64>,
    /// Net objects gained in each interval.
    pub objects: Vec<i64>,
    pub total_bytes: i64,
    pub verdict: Verdict,
}

#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    pub snapshots: Vec<Side>,
    pub warnings: Vec<String>,
    /// Bytes below which a change counts as none.
    pub min: u64,
    pub holders: Vec<TrendRow>,
    pub types: Vec<TrendRow>,
}

/// Per row name: the holder's type name, net bytes and net objects per interval.
type Series = BTreeMap<String, (Option<String>, Vec<i64>, Vec<i64>)>;

/// Builds the trend from each interval's suspects (all holders with a net change) and type deltas.
pub fn trend(snapshots: Vec<Side>, warnings: Vec<String>, intervals: &[(Vec<Suspect>, Vec<TypeDelta>)], min: u64) -> Trend {
    let k = intervals.len();
    let mut holders: Series = BTreeMap::new();
    let mut types: Series = BTreeMap::new();
    for (i, (suspects, deltas)) in intervals.iter().enumerate() {
        for s in suspects.iter().filter(|s| s.node != crate::diff::matching::NONE) {
            let e = holders.entry(s.path.clone()).or_insert_with(|| (None, vec![0; k], vec![0; k]));
            e.0 = Some(s.type_name.clone());
            e.1[i] += s.bytes;
            e.2[i] += s.objects;
        }
        for t in deltas {
            let e = types.entry(t.type_name.clone()).or_insert_with(|| (None, vec![0; k], vec![0; k]));
            e.1[i] += t.size_delta;
            e.2[i] += t.count_delta;
        }
    }
    Trend { snapshots, warnings, min, holders: rows(holders, min), types: rows(types, min) }
}

fn rows(m: Series, min: u64) -> Vec<TrendRow> {
    let mut out: Vec<TrendRow> = m
        .into_iter()
        .filter_map(|(name, (type_name, bytes, objects))| {
            let v = verdict(&bytes, min)?;
            Some(TrendRow { name, type_name, total_bytes: bytes.iter().sum(), bytes, objects, verdict: v })
        })
        .collect();
    out.sort_by(|a, b| a.verdict.cmp(&b.verdict).then(b.total_bytes.cmp(&a.total_bytes)).then_with(|| a.name.cmp(&b.name)));
    out
}

pub fn write_text(w: &mut dyn std::io::Write, t: &Trend, top: usize) -> std::io::Result<()> {
    use crate::report::{format_count, format_delta, format_size, table};
    for (i, s) in t.snapshots.iter().enumerate() {
        let rss = s.rss.map(|r| format!(", rss {}", format_size(r))).unwrap_or_default();
        writeln!(w, "S{} {} ({}): {} objects, {}{}{rss}", i + 1, s.file, s.time_iso, format_count(s.objects), format_size(s.bytes), crate::diff::report::native_note(s))?;
    }
    let leaks: Vec<&TrendRow> = t.holders.iter().filter(|r| r.verdict == Verdict::Leak).collect();
    writeln!(w)?;
    match leaks.first() {
        Some(r) => writeln!(
            w,
            "{} grows in every interval ({} in total): {} leak{} by holder",
            r.name,
            format_delta(r.total_bytes),
            leaks.len(),
            if leaks.len() == 1 { "" } else { "s" }
        )?,
        None => writeln!(w, "nothing grows in every interval")?,
    }
    let k = t.snapshots.len().saturating_sub(1);
    let mut headers: Vec<String> = vec!["verdict".into(), "holder".into(), "type".into()];
    headers.extend((1..=k).map(|i| format!("S{}->S{}", i, i + 1)));
    headers.push("total".into());
    for (title, rows, with_type) in [("holders", &t.holders, true), ("types", &t.types, false)] {
        if rows.is_empty() {
            continue;
        }
        writeln!(w)?;
        let shown = if top > 0 { top.min(rows.len()) } else { rows.len() };
        writeln!(w, "{title} ({shown} of {}):", rows.len())?;
        let mut h: Vec<&str> = headers.iter().map(String::as_str).collect();
        if !with_type {
            h.remove(2);
            h[1] = "type";
        }
        let body = rows[..shown]
            .iter()
            .map(|r| {
                let mut row = vec![r.verdict.as_str().to_string(), r.name.clone()];
                if with_type {
                    row.push(r.type_name.clone().unwrap_or_default());
                }
                row.extend(r.bytes.iter().map(|&b| format_delta(b)));
                row.push(format_delta(r.total_bytes));
                row
            })
            .collect();
        let first_num = if with_type { 3 } else { 2 };
        writeln!(w, "{}", table::render(&h, body, &(first_num..h.len()).collect::<Vec<_>>()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_in_every_interval_is_a_leak() {
        assert_eq!(verdict(&[5000, 4000, 6000], 1024), Some(Verdict::Leak));
    }

    #[test]
    fn growth_that_stops_is_saturated_not_a_leak() {
        assert_eq!(verdict(&[50_000, 20_000, 0, 0], 1024), Some(Verdict::Saturated));
        assert_eq!(verdict(&[50_000, 100, -200], 1024), Some(Verdict::Saturated), "jitter under min is no change");
    }

    #[test]
    fn up_and_down_is_noise() {
        assert_eq!(verdict(&[50_000, -50_000, 50_000], 1024), Some(Verdict::Noise));
        assert_eq!(verdict(&[50_000, 0, 50_000], 1024), Some(Verdict::Noise), "growth with pauses");
    }

    #[test]
    fn no_change_past_min_gets_no_row() {
        assert_eq!(verdict(&[10, -10, 0], 1024), None);
    }

    fn suspect(path: &str, bytes: i64) -> Suspect {
        Suspect {
            path: path.into(),
            type_name: "builtins.dict".into(),
            id: 1,
            existed_before: true,
            objects: bytes / 100,
            bytes,
            new_objects: 0,
            new_bytes: 0,
            gone_objects: 0,
            gone_bytes: 0,
            grown_bytes: 0,
            rolled_up: 0,
            types: vec![],
            samples: vec![],
            node: 0,
        }
    }

    #[test]
    fn holders_are_followed_by_path_and_leaks_come_first() {
        let intervals = vec![
            (vec![suspect("sys.modules['app'].memo", 10_000), suspect("sys.modules['app'].lru", 90_000)], vec![]),
            (vec![suspect("sys.modules['app'].memo", 10_000)], vec![]),
            (vec![suspect("sys.modules['app'].memo", 12_000), suspect("sys.modules['app'].lru", 10)], vec![]),
        ];
        let t = trend(vec![], vec![], &intervals, 1024);
        assert_eq!(t.holders.len(), 2);
        assert_eq!((t.holders[0].name.as_str(), t.holders[0].verdict), ("sys.modules['app'].memo", Verdict::Leak));
        assert_eq!(t.holders[0].bytes, vec![10_000, 10_000, 12_000]);
        assert_eq!((t.holders[1].name.as_str(), t.holders[1].verdict), ("sys.modules['app'].lru", Verdict::Saturated));
    }
}
