//! Reading the characters of a `str` in place, on every CPython version the walker supports.
//!
//! pyo3-ffi has no `PyUnicode_IS_COMPACT_ASCII` for 3.14+, and the data offset of a compact ASCII
//! string moved (3.11: after `PyASCIIObject.wstr`, 48 bytes; 3.12+: 40 bytes). Both facts live
//! here, and [`AsciiLayout::check`] verifies them on strings built in the process before the walk
//! trusts them: when the check fails, every string is read through `PyUnicode_AsUTF8String`
//! (slower, same result).

use std::sync::OnceLock;

use pyo3::ffi;

type Obj = *mut ffi::PyObject;

/// The running interpreter's layout, checked once per process ([`ascii_layout`]).
static LAYOUT: OnceLock<AsciiLayout> = OnceLock::new();

/// The verified layout of this process's interpreter (checked on the first call, with the GIL).
pub(crate) fn ascii_layout(py: pyo3::Python<'_>) -> AsciiLayout {
    *LAYOUT.get_or_init(|| {
        let minor = py.version_info().minor;
        let texts = ["abc", "", "x_y.z", "caf\u{e9}", "\u{1f600}", "\u{4e2d}"];
        let made: Vec<pyo3::Bound<'_, pyo3::types::PyString>> = texts.iter().map(|t| pyo3::types::PyString::new(py, t)).collect();
        let probes: Vec<(Obj, &str)> = made.iter().zip(texts).map(|(o, t)| (o.as_ptr(), t)).collect();
        // SAFETY: the probes are exact str objects alive for the check.
        unsafe { AsciiLayout::check(minor, &probes) }
    })
}

/// The characters of an exact `str` that is compact ASCII, read in place; None for other strings
/// or before [`ascii_layout`] ran.
#[inline]
pub(crate) unsafe fn ascii_of<'a>(o: Obj) -> Option<&'a str> {
    LAYOUT.get()?.ascii(o)
}

/// `PyASCIIObject.state`: after `ob_refcnt`, `ob_type`, `length`, `hash` (a 32-bit bit field).
const STATE_OFFSET: usize = 32;
/// `state.compact` and `state.ascii` (after `interned:2`, `kind:3`; the same bits on 3.11-3.15
/// builds with the GIL).
const COMPACT: u32 = 1 << 5;
const ASCII: u32 = 1 << 6;

/// Where a compact ASCII string keeps its characters, once verified.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct AsciiLayout {
    /// `sizeof(PyASCIIObject)`: the offset of the characters; 0 when the check failed.
    pub data: usize,
}

impl AsciiLayout {
    /// The layout for CPython `minor` (3.x), verified on `probes` (strings made here): ASCII ones
    /// must read back their own characters, others must not look ASCII.
    pub unsafe fn check(minor: u8, probes: &[(Obj, &str)]) -> AsciiLayout {
        let data = if minor == 11 { 48 } else { 40 };
        let candidate = AsciiLayout { data };
        for &(o, text) in probes {
            if candidate.ascii(o) != text.is_ascii().then_some(text) {
                return AsciiLayout::default();
            }
        }
        candidate
    }

    /// Whether `sys.getsizeof` of a compact ASCII string can be computed: `data + length + 1`.
    pub fn verified(&self) -> bool {
        self.data != 0
    }

    /// The characters of `o` (an exact `str`) when it is compact ASCII, read in place.
    #[inline]
    pub unsafe fn ascii<'a>(&self, o: Obj) -> Option<&'a str> {
        if self.data == 0 {
            return None;
        }
        let state = *((o as usize + STATE_OFFSET) as *const u32);
        if state & (COMPACT | ASCII) != COMPACT | ASCII {
            return None;
        }
        let n = ffi::PyUnicode_GET_LENGTH(o) as usize;
        let p = (o as usize + self.data) as *const u8;
        // SAFETY: a compact ASCII string holds `n` bytes below 0x80 (valid UTF-8) at `data`.
        Some(std::str::from_utf8_unchecked(std::slice::from_raw_parts(p, n)))
    }
}
