//! Renderers shared by every report: human units, text tables, JSON.

pub mod table;
pub mod units;

pub use units::{format_count, format_delta, format_size, parse_size, percent};

/// Writes `value` as pretty JSON followed by a newline (the `--json` output of every subcommand).
pub fn write_json<T: serde::Serialize>(w: &mut dyn std::io::Write, value: &T) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, value).map_err(std::io::Error::other)?;
    writeln!(w)
}
