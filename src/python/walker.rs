//! The native heap walker (placeholder until it lands): registers nothing yet.

use pyo3::prelude::*;

pub fn register(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}
