//! Renderers shared by every report: human units, text tables, JSON.

pub mod table;
pub mod units;

pub use units::{format_count, format_delta, format_size, parse_size, percent};

/// Native buffers per device as one phrase: `cpu 28.3 MiB, cuda:0 1.0 GiB, file 64.0 MiB`.
pub fn native_text(native: &[crate::summary::DeviceBytes]) -> String {
    native.iter().map(|d| format!("{} {}", d.device, format_size(d.bytes))).collect::<Vec<_>>().join(", ")
}

/// Native bytes on the cpu (counted in shallow sizes, so in the heap totals).
pub fn native_cpu(native: &[crate::summary::DeviceBytes]) -> u64 {
    native.iter().filter(|d| d.device == "cpu").map(|d| d.bytes).sum()
}

/// Writes `value` as pretty JSON followed by a newline (the `--json` output of every subcommand).
pub fn write_json<T: serde::Serialize>(w: &mut dyn std::io::Write, value: &T) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, value).map_err(std::io::Error::other)?;
    writeln!(w)
}
