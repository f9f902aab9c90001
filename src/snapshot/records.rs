//! Records of the snapshot format as serde types. Unknown fields are ignored everywhere, so a newer
//! writer can add fields without a new format version.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The one format version this analyzer reads.
pub const FORMAT_VERSION: u64 = 1;

/// Largest `size` accepted for one object: 2^48 bytes (256 TiB). Anything above is a corrupt file.
pub const MAX_OBJECT_SIZE: u64 = 1 << 48;

/// Line 2: the process the snapshot was taken from.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct Header {
    pub python: String,
    pub implementation: String,
    pub pid: u64,
    pub argv: Vec<String>,
    /// Unix time when the dump started.
    pub time: f64,
    pub time_iso: String,
    pub rss: Option<u64>,
    pub peak_rss: Option<u64>,
    pub gc: serde_json::Value,
    pub agent: String,
    pub walker: String,
    pub pointer_size: u64,
    pub redact: bool,
    pub libraries: BTreeMap<String, String>,
    pub layout: BTreeMap<String, u64>,
    /// `"index"`: refs of exact `list` and `tuple` objects are in index order. Absent in files of
    /// writers before heapdiff 0.2, which wrote them as `gc.get_referents` lists them (last item
    /// first); the renderer then counts indexes from the end (see [`Header::items_reversed`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_order: Option<String>,
    /// Ids of the interpreter's own tables in the snapshot: `{"interned_strings": ID}` (3.14+).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub internals: BTreeMap<String, u64>,
    /// Every other field a writer added (`ctypes_layout`, `ctypes_layout_failed`, ...), kept so that
    /// a file written from this header (the native walker's) says what the agent's says.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// The layout parts the agent verifies (docs/LAYOUT.md) and what a snapshot lacks without each.
const LAYOUT_PARTS: [(&str, &str); 7] = [
    ("keys", "attribute names"),
    ("member", "slot and C field names"),
    ("type", "type dicts"),
    ("func", "function fields"),
    ("code", "code object fields"),
    ("frame", "frame locals"),
    ("gen", "generator locals"),
];

impl Header {
    /// What the writer could not record because a part of CPython's layout was not verified on this
    /// Python (`ctypes_layout` lacks it), as one line; None when nothing is missing or the file
    /// predates `ctypes_layout`.
    pub fn layout_note(&self) -> Option<String> {
        let verified: Vec<&str> = self.other.get("ctypes_layout")?.as_array()?.iter().filter_map(|v| v.as_str()).collect();
        let missing: Vec<&str> = LAYOUT_PARTS.iter().filter(|(p, _)| !verified.contains(p)).map(|&(_, what)| what).collect();
        if missing.is_empty() {
            return None;
        }
        let python = if self.python.is_empty() { "this Python".to_string() } else { format!("CPython {}", self.python) };
        Some(format!("{} unavailable on {python}: paths show types there (docs/LAYOUT.md)", missing.join(", ")))
    }

    /// Refs of exact lists and tuples are written last item first (files of writers before 0.2:
    /// they carry an agent name but no `item_order`).
    pub fn items_reversed(&self) -> bool {
        self.item_order.is_none() && !self.agent.is_empty()
    }
}

/// The last line: written only when the dump finished.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct Trailer {
    pub objects: u64,
    pub edges: u64,
    pub seconds: f64,
    pub bytes: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RootKind {
    /// The `sys.modules` dict.
    Modules,
    /// A frame of a thread's current stack.
    Frame,
    /// Nothing in the snapshot refers to it: held from C, or garbage.
    Unreferenced,
    /// A class no other root reaches, in a cycle with its own `__mro__` and `__dict__`: held by C
    /// (an extension module's state, the interpreter's caches), not garbage. Derived by the loader.
    #[serde(rename = "c-held")]
    CHeld,
    /// A table of the interpreter's own that the collector tracks although no Python object refers
    /// to it (3.14+: the dict of interned strings), named by the header's `internals`. Derived by the
    /// loader from an `unreferenced` root of the file; kept out of the holders like `c-held`.
    Internal,
}

impl RootKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "modules" => Some(RootKind::Modules),
            "frame" => Some(RootKind::Frame),
            "unreferenced" => Some(RootKind::Unreferenced),
            "c-held" => Some(RootKind::CHeld),
            "internal" => Some(RootKind::Internal),
            _ => None,
        }
    }
}

/// `[id, kind, name]` in the `roots` line.
#[derive(Debug, Deserialize)]
#[serde(expecting = "a root as [id, kind, name]")]
pub(crate) struct RootRecord(pub u64, pub String, #[serde(default)] pub String);

/// One object line: `[id, type, size, refs, labels, extra]`. The fast path parses lines with a
/// seed that appends refs in place (snapshot/read.rs); this type only names the bad field of a line
/// that failed.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(expecting = "an object record [id, type, size, refs, labels, extra]")]
pub(crate) struct ObjectRecord(
    pub u64,
    pub u64,
    pub i64,
    pub Vec<u64>,
    #[serde(default)] pub Vec<u32>,
    #[serde(default)] pub Option<Extra>,
);

/// Optional per-object fields; see docs/FORMAT.md for each key.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, PartialEq)]
#[serde(default)]
pub struct Extra {
    /// Name of a module, type, function, code object or frame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// How instance attributes are stored: dict, inline, slots, ...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub a: Option<String>,
    /// Inline attribute storage bytes that `sys.getsizeof` leaves out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub i: Option<u64>,
    /// Why `size` is 0 (e.g. `sizeof` raised).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    /// On a type: it defines `__del__`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub d: Option<bool>,
    /// `hash()` of an exact `str`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub h: Option<i64>,
    /// Length of a str/bytes/bytearray.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub l: Option<u64>,
    /// Native bytes owned outside `sys.getsizeof`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nb: Option<u64>,
    /// Device of the native bytes (`cpu`, `cuda:0`, `file`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dev: Option<String>,
    /// numpy/torch dtype.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dt: Option<String>,
    /// Shape.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sh: Option<Vec<u64>>,
    /// numpy owndata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub own: Option<bool>,
}

impl Extra {
    /// Whether anything beyond `h`, `l`, `a` and `i` is set: those four are common (every str, every
    /// instance) and are kept in compact side arrays instead of this struct.
    pub(crate) fn has_rich_fields(&self) -> bool {
        self.n.is_some()
            || self.e.is_some()
            || self.d.is_some()
            || self.nb.is_some()
            || self.dev.is_some()
            || self.dt.is_some()
            || self.sh.is_some()
            || self.own.is_some()
    }

    /// Native bytes that count as heap (cpu), or 0.
    pub fn heap_native_bytes(&self) -> u64 {
        match (self.nb, self.dev.as_deref()) {
            (Some(nb), None | Some("cpu")) => nb,
            _ => 0,
        }
    }
}

/// How an object stores its instance attributes (`extra.a`), one byte per object that has any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum AttrStorage {
    /// A real `__dict__` object.
    #[serde(rename = "dict")]
    Dict,
    /// CPython 3.11+ inline values, no dict object.
    #[serde(rename = "inline")]
    Inline,
    #[serde(rename = "slots")]
    Slots,
    #[serde(rename = "slots+dict")]
    SlotsDict,
    #[serde(rename = "slots+inline")]
    SlotsInline,
    /// A value this analyzer does not know (a newer writer).
    #[serde(rename = "other")]
    Other,
}

impl AttrStorage {
    pub fn parse(s: &str) -> Self {
        match s {
            "dict" => AttrStorage::Dict,
            "inline" => AttrStorage::Inline,
            "slots" => AttrStorage::Slots,
            "slots+dict" => AttrStorage::SlotsDict,
            "slots+inline" => AttrStorage::SlotsInline,
            _ => AttrStorage::Other,
        }
    }
    /// Whether the instance has a per-instance `__dict__` object.
    pub fn has_dict(self) -> bool {
        matches!(self, AttrStorage::Dict | AttrStorage::SlotsDict)
    }
}
