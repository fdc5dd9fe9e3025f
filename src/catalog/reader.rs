//! A reader over a spanned TOML document that pushes diagnostics instead of stopping.
//!
//! serde stops at the first unknown or mistyped key; a catalog author wants every problem of a
//! file at once. [`Table`] hands out a table's values by key, each with its span, and
//! [`Table::finish`] reports every key nobody asked for, with a "did you mean" where one is
//! close. This is `deny_unknown_fields` for the whole file, not only its first typo.

use std::ops::Range;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

use crate::catalog::value::{self, Duration, MoneyError};
use crate::diagnostic::{Code, Diagnostic, FileId, Span};

/// A spanned TOML value.
pub type Value<'i> = Spanned<DeValue<'i>>;

/// The diagnostics of one file being read.
pub struct Ctx<'a> {
    pub file: FileId,
    pub diagnostics: &'a mut Vec<Diagnostic>,
    /// The hardware that the tranches of a contract left out for other problems name: still
    /// checked against the portfolio, so that one problem does not hide another.
    pub left_out: Vec<HardwareRef>,
}

/// A hardware id a tranche names, and where.
#[derive(Clone, Debug)]
pub struct HardwareRef {
    /// The tranche, as messages name it: "tranche `gw-1` of contract `aws-2025`".
    pub what: String,
    pub hardware: String,
    pub span: Span,
}

impl Ctx<'_> {
    pub fn span(&self, range: Range<usize>) -> Span {
        Span::new(self.file, range)
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    pub fn error(&mut self, code: Code, range: Range<usize>, message: impl Into<String>) {
        let span = self.span(range);
        self.push(Diagnostic::new(code, span, message));
    }
}

/// A TOML table being read: the entries not yet taken, and what it is called in messages.
pub struct Table<'i> {
    /// How messages name the table, such as "`[[tranche]]` `gb200`" or "the contract".
    pub what: String,
    pub span: Range<usize>,
    entries: Vec<(Spanned<DeString<'i>>, Value<'i>)>,
    known: &'static [&'static str],
}

impl<'i> Table<'i> {
    pub fn new(
        table: DeTable<'i>,
        span: Range<usize>,
        what: impl Into<String>,
        known: &'static [&'static str],
    ) -> Self {
        let entries = table.into_iter().collect();
        Table {
            what: what.into(),
            span,
            entries,
            known,
        }
    }

    /// Takes the value of `key`, if present.
    pub fn take(&mut self, key: &str) -> Option<Value<'i>> {
        debug_assert!(
            self.known.contains(&key),
            "`{key}` is not in the known keys"
        );
        let i = self.entries.iter().position(|(k, _)| k.get_ref() == key)?;
        Some(self.entries.swap_remove(i).1)
    }

    /// Takes a required value; a missing key is reported at the table.
    pub fn require(&mut self, ctx: &mut Ctx<'_>, key: &str) -> Option<Value<'i>> {
        let value = self.take(key);
        if value.is_none() {
            let message = format!("{} is missing required key `{key}`", self.what);
            ctx.error(Code::MissingKey, self.span.clone(), message);
        }
        value
    }

    /// [`Table::finish`] for a table borrowed from its owner.
    pub fn finish_in_place(&mut self, ctx: &mut Ctx<'_>) {
        let known = self.known;
        let rest = Table {
            what: self.what.clone(),
            span: self.span.clone(),
            entries: std::mem::take(&mut self.entries),
            known,
        };
        rest.finish(ctx);
    }

    /// [`Table::require`] where `required`, else [`Table::take`].
    pub fn take_or_require(
        &mut self,
        ctx: &mut Ctx<'_>,
        key: &str,
        required: bool,
    ) -> Option<Value<'i>> {
        if required {
            self.require(ctx, key)
        } else {
            self.take(key)
        }
    }

    /// Reports every key that was not taken as unknown.
    pub fn finish(self, ctx: &mut Ctx<'_>) {
        let mut entries = self.entries;
        entries.sort_by_key(|(k, _)| k.span().start);
        for (key, _) in entries {
            let name = key.get_ref();
            let mut diagnostic = Diagnostic::new(
                Code::UnknownKey,
                ctx.span(key.span()),
                format!("unknown key `{name}` in {}", self.what),
            );
            diagnostic = match did_you_mean(name, self.known.iter().copied()) {
                Some(best) => diagnostic.with_help(format!("did you mean `{best}`?")),
                None => diagnostic.with_help(format!(
                    "expected one of {}",
                    self.known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
            ctx.push(diagnostic);
        }
    }
}

/// The closest candidate to `name`, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

fn wrong_type(ctx: &mut Ctx<'_>, key: &str, value: &Value<'_>, expected: &str) {
    let message = format!(
        "`{key}` must be {expected}, found {}",
        type_name(value.get_ref())
    );
    ctx.error(Code::WrongType, value.span(), message);
}

/// A string value. Control characters and bidirectional overrides are refused
/// (`control-character`): such a string could rewrite the terminal or page that shows it. Free
/// text (`notes`, `description`) may hold line breaks and tabs.
pub fn string(ctx: &mut Ctx<'_>, key: &str, value: Value<'_>) -> Option<Spanned<String>> {
    let span = value.span();
    match value.into_inner() {
        DeValue::String(s) => {
            let free_text = matches!(key, "notes" | "description");
            let bad = s.chars().find(|&c| {
                crate::diagnostic::is_unsafe_char(c)
                    && !(free_text && matches!(c, '\n' | '\r' | '\t'))
            });
            if let Some(c) = bad {
                let d = Diagnostic::new(
                    Code::ControlCharacter,
                    ctx.span(span),
                    format!(
                        "`{key}` holds the control character {}: `{}`",
                        c.escape_unicode(),
                        crate::diagnostic::escape_controls(&s)
                    ),
                )
                .with_help(
                    "remove it: names, ids and text are shown on terminals and pages as written",
                );
                ctx.push(d);
                return None;
            }
            Some(Spanned::new(span, s.into_owned()))
        }
        other => {
            wrong_type(ctx, key, &Spanned::new(span, other), "a string");
            None
        }
    }
}

/// A boolean value.
pub fn boolean(ctx: &mut Ctx<'_>, key: &str, value: Value<'_>) -> Option<bool> {
    match value.get_ref() {
        DeValue::Boolean(b) => Some(*b),
        _ => {
            wrong_type(ctx, key, &value, "`true` or `false`");
            None
        }
    }
}

/// An integer value as `i64`.
pub fn integer(ctx: &mut Ctx<'_>, key: &str, value: &Value<'_>) -> Option<i64> {
    match value.get_ref() {
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => Some(n),
            Err(_) => {
                ctx.error(
                    Code::Overflow,
                    value.span(),
                    format!("`{key}` does not fit in a 64-bit integer"),
                );
                None
            }
        },
        _ => {
            wrong_type(ctx, key, value, "an integer");
            None
        }
    }
}

/// A plain local date such as `2025-11-03`.
pub fn date(ctx: &mut Ctx<'_>, key: &str, value: Value<'_>) -> Option<Spanned<NaiveDate>> {
    let span = value.span();
    let DeValue::Datetime(dt) = value.get_ref() else {
        if let DeValue::String(s) = value.get_ref()
            && s.parse::<toml::value::Datetime>().is_ok()
        {
            let d = Diagnostic::new(
                Code::WrongType,
                ctx.span(span),
                format!("`{key}` must be a date, found a string"),
            )
            .with_help(format!("write the date without quotes: `{key} = {s}`"));
            ctx.push(d);
        } else {
            wrong_type(ctx, key, &value, "a date such as 2025-11-03");
        }
        return None;
    };
    match (dt.date, dt.time, dt.offset) {
        (Some(d), None, None) => {
            match NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day)) {
                Some(date) => Some(Spanned::new(span, date)),
                None => {
                    ctx.error(
                        Code::InvalidDate,
                        span,
                        format!("`{key}` is {dt}, a date that does not exist"),
                    );
                    None
                }
            }
        }
        _ => {
            let d = Diagnostic::new(
                Code::InvalidDate,
                ctx.span(span),
                format!("`{key}` must be a plain date, found `{dt}`"),
            )
            .with_help("dates are whole days: write only `YYYY-MM-DD`");
            ctx.push(d);
            None
        }
    }
}

/// Money: a TOML integer or a string such as `"38B"`; a float is refused.
pub fn money(ctx: &mut Ctx<'_>, key: &str, value: Value<'_>) -> Option<Spanned<Decimal>> {
    let span = value.span();
    let parsed = match value.get_ref() {
        DeValue::Integer(_) => integer(ctx, key, &value).map(value::money_from_integer),
        DeValue::String(s) => match value::parse_money(s) {
            Ok(d) => Some(d),
            Err(err) => {
                let code = match err {
                    MoneyError::Overflow(_) => Code::Overflow,
                    _ => Code::InvalidMoney,
                };
                let mut d =
                    Diagnostic::new(code, ctx.span(span.clone()), format!("`{key}`: {err}"));
                if matches!(err, MoneyError::TooPrecise(_)) {
                    d = d.with_help("money is kept to the cent");
                } else if s.trim_start().starts_with('$') {
                    d = d.with_help(format!(
                        "drop the `$`: `{key} = \"{}\"`",
                        s.trim().trim_start_matches('$')
                    ));
                }
                ctx.push(d);
                None
            }
        },
        DeValue::Float(f) => {
            let written = f.as_str().replace('_', "");
            let spelled = written
                .parse::<f64>()
                .ok()
                .and_then(value::ratio_from_float)
                .map_or(written, value::money_literal);
            let d = Diagnostic::new(
                Code::FloatMoney,
                ctx.span(span.clone()),
                format!("`{key}` is a float, and money must be exact"),
            )
            .with_help(format!("write it as a string: `{key} = \"{spelled}\"`"));
            ctx.push(d);
            None
        }
        _ => {
            wrong_type(
                ctx,
                key,
                &value,
                "an amount such as \"38B\" or 38_000_000_000",
            );
            None
        }
    };
    parsed.map(|d| Spanned::new(span, d))
}

/// A ratio or factor: a TOML integer or float, as an exact decimal.
pub fn ratio(ctx: &mut Ctx<'_>, key: &str, value: Value<'_>) -> Option<Spanned<Decimal>> {
    let span = value.span();
    let parsed = match value.get_ref() {
        DeValue::Integer(_) => integer(ctx, key, &value).map(Decimal::from),
        DeValue::Float(f) => {
            let n = f
                .as_str()
                .replace('_', "")
                .parse::<f64>()
                .ok()
                .and_then(value::ratio_from_float);
            if n.is_none() {
                ctx.error(
                    Code::Overflow,
                    span.clone(),
                    format!("`{key}` is not a finite number capplan can represent exactly"),
                );
            }
            n
        }
        _ => {
            wrong_type(ctx, key, &value, "a number");
            None
        }
    };
    parsed.map(|d| Spanned::new(span, d))
}

/// A duration string such as `"7y"`.
pub fn duration(ctx: &mut Ctx<'_>, key: &str, value: Value<'_>) -> Option<Spanned<Duration>> {
    let s = string(ctx, key, value)?;
    match s.get_ref().parse::<Duration>() {
        Ok(d) => Some(Spanned::new(s.span(), d)),
        Err(err) => {
            ctx.error(Code::InvalidDuration, s.span(), format!("`{key}`: {err}"));
            None
        }
    }
}

/// An id: a string of lowercase letters, digits and `-`.
pub fn id(ctx: &mut Ctx<'_>, key: &str, value: Value<'_>) -> Option<Spanned<String>> {
    let s = string(ctx, key, value)?;
    if value::is_valid_id(s.get_ref()) {
        return Some(s);
    }
    let mut d = Diagnostic::new(
        Code::InvalidId,
        ctx.span(s.span()),
        format!(
            "`{key}` `{}` is not a valid id: use lowercase letters, digits and `-`",
            s.get_ref()
        ),
    );
    if let Some(fixed) = value::suggest_id(s.get_ref()) {
        d = d.with_help(format!("try `{key} = \"{fixed}\"`"));
    }
    ctx.push(d);
    // Keep the id so that later checks can still name the entity.
    Some(s)
}

/// One of a fixed set of words, such as a ramp or a status.
pub fn one_of<T: Copy>(
    ctx: &mut Ctx<'_>,
    key: &str,
    value: Value<'_>,
    choices: &[(&'static str, T)],
) -> Option<Spanned<T>> {
    let s = string(ctx, key, value)?;
    if let Some((_, v)) = choices.iter().find(|(name, _)| *name == s.get_ref()) {
        return Some(Spanned::new(s.span(), *v));
    }
    let names = choices
        .iter()
        .map(|(n, _)| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut d = Diagnostic::new(
        Code::InvalidValue,
        ctx.span(s.span()),
        format!("`{key}` is `{}`; expected one of {names}", s.get_ref()),
    );
    if let Some(best) = did_you_mean(s.get_ref(), choices.iter().map(|(n, _)| *n)) {
        d = d.with_help(format!("did you mean `{best}`?"));
    }
    ctx.push(d);
    None
}

/// A table value, such as an inline table.
pub fn table<'i>(
    ctx: &mut Ctx<'_>,
    key: &str,
    value: Value<'i>,
    what: impl Into<String>,
    known: &'static [&'static str],
) -> Option<Table<'i>> {
    let span = value.span();
    match value.into_inner() {
        DeValue::Table(t) => Some(Table::new(t, span, what, known)),
        other => {
            wrong_type(ctx, key, &Spanned::new(span, other), "a table");
            None
        }
    }
}

/// An array value, element by element.
pub fn array<'i>(ctx: &mut Ctx<'_>, key: &str, value: Value<'i>) -> Option<Vec<Value<'i>>> {
    let span = value.span();
    match value.into_inner() {
        DeValue::Array(a) => Some(a.into_iter().collect()),
        other => {
            wrong_type(ctx, key, &Spanned::new(span, other), "an array");
            None
        }
    }
}

/// An array of tables such as `[[tranche]]`: each element as a [`Table`].
pub fn tables<'i>(
    ctx: &mut Ctx<'_>,
    key: &str,
    value: Value<'i>,
    known: &'static [&'static str],
) -> Vec<Table<'i>> {
    let Some(items) = array(ctx, key, value) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let span = item.span();
        match item.into_inner() {
            DeValue::Table(t) => out.push(Table::new(
                t,
                span,
                format!("`[[{key}]]` #{}", i + 1),
                known,
            )),
            other => wrong_type(ctx, key, &Spanned::new(span, other), "an array of tables"),
        }
    }
    out
}

/// Reads a file named on the command line, outside a catalog folder (a scenario, a demand
/// file): adds it to `report`'s sources, reports a file that is not UTF-8 or not TOML, and
/// otherwise hands the document to `parse`. Returns what `parse` made (`None` when it never
/// ran) and whether any error was reported.
pub fn read_standalone<T>(
    name: &str,
    bytes: Vec<u8>,
    report: &mut crate::diagnostic::Report,
    parse: impl FnOnce(&mut Ctx<'_>, Spanned<toml::de::DeTable<'_>>) -> T,
) -> (Option<T>, bool) {
    let (source, bad_utf8) = crate::diagnostic::SourceFile::decode(name, bytes);
    let file = report.sources.add(source);
    let mut diagnostics = Vec::new();
    let made = {
        let mut ctx = Ctx {
            file,
            diagnostics: &mut diagnostics,
            left_out: Vec::new(),
        };
        if let Some(range) = bad_utf8 {
            ctx.push(report.sources.get(file).not_utf8(file, range));
            None
        } else {
            let text = report.sources.get(file).text.as_str();
            let (doc, syntax) = toml::de::DeTable::parse_recoverable(text);
            if syntax.is_empty() {
                Some(parse(&mut ctx, doc))
            } else {
                for err in syntax {
                    let message = err.message().trim().replace('\n', "; ");
                    // The parser checks calendar dates itself; give those their own code.
                    let code = if message.starts_with("invalid date") {
                        Code::InvalidDate
                    } else {
                        Code::TomlSyntax
                    };
                    ctx.error(code, err.span().unwrap_or(0..0), message);
                }
                None
            }
        }
    };
    let failed = diagnostics.iter().any(Diagnostic::is_error);
    for d in diagnostics {
        report.push(d);
    }
    (made, failed)
}
