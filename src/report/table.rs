//! Plain text tables (tabled), the same look in every report: no borders, a header row, numbers
//! right-aligned. No colour, so output reads the same in a pipe and with `NO_COLOR`.

use tabled::builder::Builder;
use tabled::settings::object::Columns;
use tabled::settings::{Alignment, Style};

/// Renders rows under `headers`; columns listed in `right` are right-aligned.
pub fn render(headers: &[&str], rows: Vec<Vec<String>>, right: &[usize]) -> String {
    let mut b = Builder::default();
    b.push_record(headers.iter().map(|h| h.to_string()));
    for r in rows {
        b.push_record(r);
    }
    let mut t = b.build();
    t.with(Style::blank());
    for &c in right {
        t.modify(Columns::one(c), Alignment::right());
    }
    t.to_string()
}
