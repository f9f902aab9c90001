//! Rust values to Python objects: every report is `Serialize`, so one converter from
//! `serde_json::Value` gives Python dicts, lists and numbers (the `heapdiff` package wraps them in
//! dataclasses) without a JSON string round trip.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList, PyString};
use serde_json::Value;

pub fn to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for x in items {
                list.append(to_py(py, x)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let d = PyDict::new(py);
            for (k, x) in map {
                d.set_item(k, to_py(py, x)?)?;
            }
            d.into_any()
        }
    })
}

/// A report as (value, text): what the Python result object holds and what its `str()` prints.
pub fn render<T: serde::Serialize>(
    report: &T,
    write_text: impl Fn(&mut dyn std::io::Write, &T) -> std::io::Result<()>,
) -> (Value, String) {
    let mut text = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = write_text(&mut text, report);
    (serde_json::to_value(report).unwrap_or(Value::Null), String::from_utf8_lossy(&text).into_owned())
}
