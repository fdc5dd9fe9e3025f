//! Diagnostics are data: every problem capplan finds in a catalog or a scenario is a
//! [`Diagnostic`] with a stable [`Code`], a severity, a location (a file and a byte span) and a
//! message. Loading and validation push diagnostics instead of stopping at the first one, so a
//! user sees every problem in one run. Line and column are computed only when rendering.

use std::fmt;
use std::ops::Range;

use serde::Serialize;

/// How serious a diagnostic is. Errors fail every command; warnings fail `validate --strict`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

macro_rules! codes {
    ($($variant:ident = $name:literal, $severity:ident, $description:literal;)*) => {
        /// Every diagnostic capplan can report. The kebab-case names are a stable interface:
        /// CI jobs match on them, so a code is never renamed or reused.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            /// All codes, in the order they are documented.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable kebab-case name, such as `schedule-sum-mismatch`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            /// One line on what the code means.
            pub fn description(self) -> &'static str {
                match self {
                    $(Code::$variant => $description,)*
                }
            }

            /// The severity a diagnostic of this code has.
            pub fn severity(self) -> Severity {
                match self {
                    $(Code::$variant => Severity::$severity,)*
                }
            }
        }
    };
}

codes! {
    NotUtf8 = "not-utf8", Error, "a file is not valid UTF-8";
    TomlSyntax = "toml-syntax", Error, "a file is not valid TOML";
    EmptyFile = "empty-file", Error, "a contract file has no content";
    MissingPortfolio = "missing-portfolio", Error, "a catalog has no `portfolio.toml`";
    DuplicatePortfolio = "duplicate-portfolio", Error, "more than one `portfolio.toml` was given for one catalog";
    UnknownKey = "unknown-key", Error, "a key that the format does not define";
    MissingKey = "missing-key", Error, "a required key is absent";
    WrongType = "wrong-type", Error, "a value has the wrong TOML type";
    FloatMoney = "float-money", Error, "money written as a TOML float, which cannot be exact";
    InvalidMoney = "invalid-money", Error, "a money value that does not parse, or has more than two decimals";
    InvalidDuration = "invalid-duration", Error, "a duration that does not parse";
    InvalidDate = "invalid-date", Error, "a date that does not exist or is not a plain local date";
    InvalidValue = "invalid-value", Error, "a value outside the allowed set or range";
    InvalidId = "invalid-id", Error, "an id that is not lowercase letters, digits and `-`";
    UnsupportedCurrency = "unsupported-currency", Error, "a currency other than USD";
    DuplicateId = "duplicate-id", Error, "two contracts, tranches, targets or hardware profiles share an id";
    UnknownHardware = "unknown-hardware", Error, "a tranche names a hardware profile that `portfolio.toml` does not define";
    NonPositive = "non-positive", Error, "a value, count, power or PUE that must be positive is zero or negative";
    EmptyTerm = "empty-term", Error, "a contract or window whose end is not after its start";
    TermEndMismatch = "term-end-mismatch", Error, "`term` and `end` are both given and disagree";
    MissingTerm = "missing-term", Error, "a contract gives neither `term` nor `end`";
    TrancheQuantity = "tranche-quantity", Error, "a tranche gives neither or both of `units` and `power_mw`";
    OnlineOrder = "online-order", Error, "a tranche's `online_by` is before its `online_from`";
    TrancheOutsideTerm = "tranche-outside-term", Error, "a tranche starts outside its contract's term or runs past its end";
    EmptyTranche = "empty-tranche", Error, "a tranche's `until` is not after its `online_from`";
    MissingSchedule = "missing-schedule", Error, "`spend = \"schedule\"` without any `[[spend_schedule]]`";
    UnexpectedSchedule = "unexpected-schedule", Error, "`[[spend_schedule]]` entries on a contract whose spend model is not `schedule`";
    ScheduleSumMismatch = "schedule-sum-mismatch", Error, "schedule amounts do not sum exactly to `value_usd`";
    ScheduleOverlap = "schedule-overlap", Error, "two schedule windows overlap";
    ScheduleOutsideTerm = "schedule-outside-term", Error, "a schedule window leaves the contract's term";
    NoCapacity = "no-capacity", Error, "capacity-linked spend on a contract that delivers no capacity";
    Overflow = "overflow", Error, "a value or computation exceeds the range capplan can represent exactly";
    InvalidSelector = "invalid-selector", Error, "a scenario selector that is not a contract id, `provider:`, `hardware:`, `tranche:` or `*`";
    UnmatchedSelector = "unmatched-selector", Error, "a scenario selector or removal that matches nothing in the catalog";
    WorkloadNeed = "workload-need", Error, "a workload gives neither or both of `level` and `run`, or a run neither or both of `flop` and `h100e_hours`";
    DemandOrder = "demand-order", Error, "a workload's `level` points are not in strictly increasing order of `from`";
    InvalidDistribution = "invalid-distribution", Error, "a slip distribution that does not parse or whose bounds are out of order";
    ObservationMeasure = "observation-measure", Error, "an `[[observed]]` gives no measure, or more than one";
    TooManyTranches = "too-many-tranches", Error, "a contract or a catalog has more tranches than capplan takes (see Limits)";
    PaymentIntervalTooLong = "payment-interval-too-long", Error, "a contract's payment interval `every` is longer than its term";
    UsefulLifeMismatch = "useful-life-mismatch", Error, "`useful_life` on a leased contract, or an owned contract without one";
    FocusFile = "focus-file", Error, "an actuals cost file that cannot be read as FOCUS: empty, truncated, damaged or not comma-separated";
    FocusColumn = "focus-column", Error, "a FOCUS cost file lacks a column capplan needs";
    FocusValue = "focus-value", Error, "a FOCUS cost row with a value capplan cannot read: a time, a cost, a currency other than USD, a period that ends before it starts";
    AmbiguousActual = "ambiguous-actual", Error, "a cost row that the `[actuals]` match tables of two contracts both claim";
    DeliveryReference = "delivery-reference", Error, "a row of `deliveries.csv` names a contract or tranche the catalog does not have";
    DeliveryValue = "delivery-value", Error, "a row of `deliveries.csv` with a date or units that do not fit its tranche";
    ControlCharacter = "control-character", Error, "a string holds a control character (C0, DEL, C1) or a bidirectional override, which could rewrite a terminal or a page that shows it";
    ImpliedPrice = "implied-price", Warning, "the implied price per unit-hour is outside 0.25x to 4x the reference rate";
    AboveTarget = "above-target", Warning, "contracted value exceeds the default target's `spend_usd`";
    SourceNotUrl = "source-not-url", Warning, "a source that is not an http(s) URL";
    NeverFullCapacity = "never-full-capacity", Warning, "a tranche that never reaches full capacity before its `until`";
    PaymentAfterHorizon = "payment-after-horizon", Warning, "a payment `lag` moves a contract's last payment past the horizon's end";
    MissingCompute = "missing-compute", Warning, "a gpu hardware profile without `tflops`, so compute in H100-equivalents leaves it out";
    ObservationMismatch = "observation-mismatch", Warning, "the projection misses a published figure of `[[observed]]` by more than its tolerance";
    SlipOutsideTerm = "slip-outside-term", Warning, "a `[[risk]]` slip can move a tranche online before its contract starts, or to or past its end";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub(crate) usize);

/// A place in a source file: the file and a byte range of its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub file: FileId,
    pub range: Range<usize>,
}

impl Span {
    pub fn new(file: FileId, range: Range<usize>) -> Self {
        Span { file, range }
    }
}

/// Where a diagnostic points: a span in a file, or a path with no text (a missing file, a folder).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    Span(Span),
    Path(String),
}

/// One problem found in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub location: Location,
    pub message: String,
    pub help: Option<String>,
    /// Other places that explain the problem, such as the first definition of a duplicate id.
    pub related: Vec<(Span, String)>,
}

impl Diagnostic {
    /// A diagnostic with the code's own severity.
    pub fn new(code: Code, location: impl Into<Location>, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.severity(),
            location: location.into(),
            message: message.into(),
            help: None,
            related: Vec::new(),
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_related(mut self, span: Span, note: impl Into<String>) -> Self {
        self.related.push((span, note.into()));
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl From<Span> for Location {
    fn from(span: Span) -> Self {
        Location::Span(span)
    }
}

/// One file's name and text. The byte offsets where its lines start are computed the first time
/// a location in it is rendered, since most files of a valid catalog never need them.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path as the user should see it, such as `contracts/aws.toml`.
    pub name: String,
    pub text: String,
    line_starts: std::sync::OnceLock<Vec<usize>>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        SourceFile {
            name: name.into(),
            text: text.into(),
            line_starts: std::sync::OnceLock::new(),
        }
    }

    /// A file's text from its bytes. Bytes that are not UTF-8 become U+FFFD, and the result then
    /// also holds a `not-utf8` error at the first of them, to be pushed once the file has an id.
    pub fn decode(name: impl Into<String>, bytes: Vec<u8>) -> (Self, Option<Range<usize>>) {
        let name = name.into();
        match String::from_utf8(bytes) {
            Ok(text) => (SourceFile::new(name, text), None),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                // The bad bytes are one replacement character in the text.
                let range = at..at + char::REPLACEMENT_CHARACTER.len_utf8();
                (SourceFile::new(name, text), Some(range))
            }
        }
    }

    /// The `not-utf8` error of a file [`SourceFile::decode`] found bytes that are not UTF-8 in.
    pub fn not_utf8(&self, file: FileId, range: Range<usize>) -> Diagnostic {
        Diagnostic::new(
            Code::NotUtf8,
            Span::new(file, range),
            format!("`{}` is not valid UTF-8", self.name),
        )
        .with_help("save the file as UTF-8")
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let starts = self.line_starts();
        let line = starts.partition_point(|&s| s <= offset) - 1;
        let start = starts[line];
        let prefix = self.text.get(start..offset).unwrap_or("");
        (line + 1, prefix.chars().count() + 1)
    }

    pub(crate) fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }
}

/// Every file read in one run, so that spans can be turned into lines and columns.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() - 1)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0]
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// File name, 1-based line and column of a location; no line for a bare path.
    pub fn resolve(&self, location: &Location) -> (String, Option<(usize, usize)>) {
        match location {
            Location::Span(span) => {
                let file = self.get(span.file);
                (file.name.clone(), Some(file.line_col(span.range.start)))
            }
            Location::Path(path) => (path.clone(), None),
        }
    }
}

/// Diagnostics collected in one run, with the files they point into.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Orders diagnostics by file, position and code, so output never depends on the order
    /// in which checks ran.
    pub fn sort(&mut self) {
        let sources = &self.sources;
        self.diagnostics.sort_by_cached_key(|d| {
            let (name, pos) = sources.resolve(&d.location);
            (name, pos, d.code, d.message.clone())
        });
        // The same file read twice (a folder and one of its files) gives the same problem at
        // the same place under two file ids: report it once.
        self.diagnostics.dedup_by(|a, b| {
            a.code == b.code
                && a.message == b.message
                && sources.resolve(&a.location) == sources.resolve(&b.location)
        });
    }
}

/// Whether `c` may not reach a terminal, an annotation or a page raw: C0 controls, DEL, C1
/// controls, and the bidirectional formatting characters that reorder what is shown
/// (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069).
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// `text` with every unsafe character ([`is_unsafe_char`]) but tab written as an escape such
/// as `\u{1b}`, so that it shows as text.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c != '\t' && is_unsafe_char(c)) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c != '\t' && is_unsafe_char(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `text` with each byte of every unsafe character but tab and line breaks replaced by `?`: the
/// same length, so that byte offsets into it still hold. For showing source lines.
pub fn mask_controls(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_here = |c: char| c != '\t' && c != '\n' && c != '\r' && is_unsafe_char(c);
    if !text.chars().any(unsafe_here) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if unsafe_here(c) {
            for _ in 0..c.len_utf8() {
                out.push('?');
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn codes_are_unique_kebab_case_and_described() {
        let names: BTreeSet<_> = Code::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(names.len(), Code::ALL.len());
        for code in Code::ALL {
            let name = code.name();
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()),
                "{name}"
            );
            assert!(!code.description().is_empty());
            assert!(!code.description().ends_with('.'));
        }
    }

    #[test]
    fn line_and_column_count_characters_from_one() {
        let file = SourceFile::new("a.toml", "a = 1\nné = \"x\"\n");
        assert_eq!(file.line_col(0), (1, 1));
        assert_eq!(file.line_col(6), (2, 1));
        // `=` after a two-byte character is the fourth character of the line.
        assert_eq!(file.line_col(10), (2, 4));
        assert_eq!(file.line_col(999), (3, 1));
    }
}
