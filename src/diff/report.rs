//! The text of `heapdiff A B`: header, the one-line answer, suspects, then the per-type table.

use std::io::Write;

use super::{Diff, Suspect};
use crate::report::{format_count, format_delta, format_size, table};

/// `dict` for `builtins.dict`: builtins read better bare in prose.
pub(crate) fn short_type(name: &str) -> &str {
    name.strip_prefix("builtins.").unwrap_or(name)
}

fn signed_count(n: i64) -> String {
    if n == 0 {
        "0".to_string()
    } else if n < 0 { format!("-{}", format_count(n.unsigned_abs())) } else { format!("+{}", format_count(n as u64)) }
}

/// The answer first: `+12,000 objects, +3.1 MiB, held by sys.modules['app'].cache (dict, already there before)`.
pub fn answer_line(top: Option<&Suspect>, growth: u64, suspects: u64) -> String {
    let Some(s) = top else {
        return "no growth: nothing that existed before holds more than it did".to_string();
    };
    let origin = if s.node == super::matching::NONE {
        "not reachable from any root".to_string()
    } else if s.existed_before {
        format!("{}, already there before", short_type(&s.type_name))
    } else {
        format!("{}, new", short_type(&s.type_name))
    };
    let mut line = format!("{} objects, {}, held by {} ({origin})", signed_count(s.objects), format_delta(s.bytes), s.path);
    if suspects > 1 {
        let rest = growth.saturating_sub(s.bytes.max(0) as u64);
        let holders = if suspects == 2 { "holder" } else { "holders" };
        line.push_str(&format!("; {} other {holders}: +{}", format_count(suspects - 1), format_size(rest)));
    }
    line
}

/// ` (native buffers: cpu 28.3 MiB)` after a snapshot's total, empty when it has none.
pub(crate) fn native_note(s: &super::Side) -> String {
    if s.native.is_empty() { String::new() } else { format!(" (native buffers: {})", crate::report::native_text(&s.native)) }
}

fn side_line(w: &mut dyn Write, tag: &str, s: &super::Side) -> std::io::Result<()> {
    let rss = s.rss.map(|r| format!(", rss {}", format_size(r))).unwrap_or_default();
    let at = if s.time_iso.is_empty() { String::new() } else { format!(" at {}", s.time_iso) };
    writeln!(w, "{tag} {} (pid {}{at}): {} objects, {}{}{rss}", s.file, s.pid, format_count(s.objects), format_size(s.bytes), native_note(s))
}

/// `native:  cpu 9.6 MiB -> 28.5 MiB (+18.9 MiB), cuda:0 ...`: per device, when either side has any.
fn native_change(a: &super::Side, b: &super::Side) -> Option<String> {
    let mut devices: Vec<&str> = a.native.iter().chain(&b.native).map(|d| d.device.as_str()).collect();
    devices.sort_unstable();
    devices.dedup();
    if devices.is_empty() {
        return None;
    }
    let get = |s: &super::Side, dev: &str| s.native.iter().find(|d| d.device == dev).map_or(0, |d| d.bytes);
    let parts: Vec<String> = devices
        .iter()
        .map(|&dev| {
            let (x, y) = (get(a, dev), get(b, dev));
            format!("{dev} {} -> {} ({})", format_size(x), format_size(y), format_delta(y as i64 - x as i64))
        })
        .collect();
    Some(parts.join(", "))
}

pub fn write_text(w: &mut dyn Write, d: &Diff) -> std::io::Result<()> {
    side_line(w, "before:", &d.before)?;
    side_line(w, "after: ", &d.after)?;
    let c = &d.classes;
    let rss = match (d.before.rss, d.after.rss) {
        (Some(x), Some(y)) => format!(", rss {} -> {} ({})", format_size(x), format_size(y), format_delta(y as i64 - x as i64)),
        _ => String::new(),
    };
    writeln!(
        w,
        "change:  {} objects, {} in {:.1} s (new {}, gone {}, grown {}){rss}",
        signed_count(d.after.objects as i64 - d.before.objects as i64),
        format_delta(d.after.bytes as i64 - d.before.bytes as i64),
        d.seconds,
        format_count(c.new),
        format_count(c.gone),
        format_count(c.grown),
    )?;
    if let Some(native) = native_change(&d.before, &d.after) {
        writeln!(w, "native:  {native}")?;
    }
    writeln!(w)?;
    writeln!(w, "{}", d.answer)?;
    if d.garbage_objects != 0 || d.garbage_bytes != 0 {
        writeln!(
            w,
            "(and {} objects, {} of cyclic garbage that no root reaches: the next gc collection frees them)",
            signed_count(d.garbage_objects),
            format_delta(d.garbage_bytes)
        )?;
    }

    if !d.suspects.is_empty() {
        writeln!(w)?;
        writeln!(w, "suspects ({} of {}, by bytes gained):", d.suspects.len(), d.suspect_count)?;
        for (i, s) in d.suspects.iter().enumerate() {
            let before = if s.existed_before { "existed before" } else { "new" };
            writeln!(w, "{:>3}. {} {} objects  {}  ({}, {before})", i + 1, format_delta(s.bytes), signed_count(s.objects), s.path, short_type(&s.type_name))?;
            writeln!(
                w,
                "     new {} objects {}, gone {} objects {}, survivors grew {}",
                format_count(s.new_objects),
                format_size(s.new_bytes),
                format_count(s.gone_objects),
                format_size(s.gone_bytes),
                format_delta(s.grown_bytes)
            )?;
            if !s.types.is_empty() {
                let parts: Vec<String> = s
                    .types
                    .iter()
                    .map(|t| format!("{} {} ({})", short_type(&t.type_name), signed_count(t.objects), format_delta(t.bytes)))
                    .collect();
                writeln!(w, "     types: {}", parts.join(", "))?;
            }
            if !s.samples.is_empty() {
                writeln!(w, "     e.g. {}", s.samples.join(", "))?;
            }
            if s.rolled_up > 0 {
                writeln!(w, "     (rolled up from {} smaller holders inside it)", format_count(s.rolled_up))?;
            }
        }
    }

    if !d.types.is_empty() {
        writeln!(w)?;
        writeln!(w, "types ({} of {}, by growth):", d.types.len(), d.type_count)?;
        let headers = ["type", "count before", "after", "delta", "size before", "after", "delta", "retained before", "after", "delta"];
        let rows = d
            .types
            .iter()
            .map(|t| {
                vec![
                    t.type_name.clone(),
                    format_count(t.count_before),
                    format_count(t.count_after),
                    signed_count(t.count_delta),
                    format_size(t.size_before),
                    format_size(t.size_after),
                    format_delta(t.size_delta),
                    format_size(t.retained_before),
                    format_size(t.retained_after),
                    format_delta(t.retained_delta),
                ]
            })
            .collect();
        writeln!(w, "{}", table::render(&headers, rows, &(1..10).collect::<Vec<_>>()))?;
    }

    if !d.suggestions.is_empty() {
        writeln!(w)?;
        writeln!(w, "suggestions for what grew (`heapdiff suggest AFTER` explains each):")?;
        for (i, g) in d.suggestions.iter().enumerate() {
            let s = &g.suggestion;
            writeln!(
                w,
                "{:>3}. [{}] save {}{} on what grew ({} of {}): {}",
                i + 1,
                s.rule,
                if s.upper_bound { "up to " } else { "" },
                format_size(g.grown_saving),
                format_count(g.grown_objects),
                format_count(s.objects.len() as u64),
                s.title
            )?;
            if let Some(first) = s.hint.first() {
                writeln!(w, "     fix: {first}")?;
            }
        }
    }
    Ok(())
}
