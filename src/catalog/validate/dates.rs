//! The dates of a contract: its term, its tranches and its spend schedule, checked against
//! each other.

use super::*;

/// Checks `start`, `term` and `end`. Returns whether the term is usable for further checks.
pub(super) fn term_checks(c: &Contract, what: &str, out: &mut Vec<Diagnostic>) -> bool {
    if let Some(term) = c.term {
        if !term.is_positive() {
            out.push(Diagnostic::new(
                Code::NonPositive,
                c.origin.span("term"),
                format!("{what} has `term = \"{term}\"`; the term must be positive"),
            ));
            return false;
        }
        if c.origin.has("end") {
            let implied = term.add_to(c.start);
            if implied != Some(c.end) {
                let mut d = Diagnostic::new(
                    Code::TermEndMismatch,
                    c.origin.span("end"),
                    format!(
                        "{what}: `end` is {} but `start + term` ({} + {term}) is {}",
                        c.end,
                        c.start,
                        implied.map_or("past the calendar".to_owned(), |d| d.to_string())
                    ),
                )
                .with_related(c.origin.span("term"), "`term` is given here");
                if let Some(d2) = implied {
                    d = d.with_help(format!(
                        "write `end = {d2}`, or drop one of `term` and `end`"
                    ));
                }
                out.push(d);
            }
        }
    }
    if c.end <= c.start {
        out.push(Diagnostic::new(
            Code::EmptyTerm,
            c.origin.span("end"),
            format!(
                "{what} ends on {} but starts on {}; the end (exclusive) must be after the start",
                c.end, c.start
            ),
        ));
        return false;
    }
    true
}

/// Checks a tranche's dates against each other and the term. Returns whether they are usable.
pub(super) fn tranche_dates(
    c: &Contract,
    t: &Tranche,
    what: &str,
    term_ok: bool,
    out: &mut Vec<Diagnostic>,
) -> bool {
    let mut ok = true;
    // Where a scenario or a flag changed one of two fields compared, the diagnostic points at
    // that change, the cause, and names the other field's line.
    if t.online_by < t.online_from {
        let (at, other) = t.origin.cause("online_by", "online_from");
        out.push(
            Diagnostic::new(
                Code::OnlineOrder,
                t.origin.span(at),
                format!(
                    "{what}: `online_by` ({}) is before `online_from` ({})",
                    t.online_by, t.online_from
                ),
            )
            .with_related(t.origin.span(other), format!("`{other}` is given here"))
            .with_help(
                "`online_from` is the first unit's day, `online_by` the day all units are online",
            ),
        );
        ok = false;
    }
    if !term_ok {
        return false;
    }
    if t.online_from < c.start || t.online_from >= c.end {
        out.push(
            Diagnostic::new(
                Code::TrancheOutsideTerm,
                t.origin.span("online_from"),
                format!(
                    "{what}: `online_from` ({}) is outside the contract's term [{}, {})",
                    t.online_from, c.start, c.end
                ),
            )
            .with_related(c.origin.span("start"), "the term starts here"),
        );
        ok = false;
    }
    if let Some(until) = t.until
        && until > c.end
    {
        out.push(
            Diagnostic::new(
                Code::TrancheOutsideTerm,
                t.origin.span("until"),
                format!(
                    "{what}: `until` ({until}) is after the contract's end ({})",
                    c.end
                ),
            )
            .with_help(format!(
                "capacity ends with the contract: use `until = {}` or leave it out",
                c.end
            )),
        );
        ok = false;
    }
    let until = t.until_or(c.end);
    // Without `until`, the tranche ends with the contract.
    let until_key = if t.until.is_some() { "until" } else { "end" };
    let until_span = |origin: &Origin| {
        if t.until.is_some() {
            t.origin.span("until")
        } else {
            origin.span("end")
        }
    };
    if ok && until <= t.online_from {
        let moved = t.origin.moved("online_from") && !t.origin.moved("until");
        let (at, other, other_name) = if moved {
            (
                t.origin.span("online_from"),
                until_span(&c.origin),
                until_key,
            )
        } else {
            (
                until_span(&c.origin),
                t.origin.span("online_from"),
                "online_from",
            )
        };
        out.push(
            Diagnostic::new(
                Code::EmptyTranche,
                at,
                format!("{what}: `until` ({until}) is not after `online_from` ({}), so no unit is ever online", t.online_from),
            )
            .with_related(other, format!("`{other_name}` is given here")),
        );
        return false;
    }
    if ok && t.online_by >= until {
        let at = if t.origin.moved("until") && !t.origin.moved("online_by") {
            until_span(&c.origin)
        } else {
            t.origin.span("online_by")
        };
        out.push(
            Diagnostic::new(
                Code::NeverFullCapacity,
                at,
                format!("{what} never reaches full capacity: `online_by` ({}) is not before its end ({until})", t.online_by),
            )
            .with_help("bring `online_by` forward, or move `until` later"),
        );
    }
    ok
}

pub(super) fn schedule_checks(c: &Contract, what: &str, term_ok: bool, out: &mut Vec<Diagnostic>) {
    match (c.spend, c.spend_schedule.is_empty()) {
        (SpendModel::Schedule, true) => {
            out.push(
                Diagnostic::new(
                    Code::MissingSchedule,
                    c.origin.span("spend"),
                    format!("{what} has `spend = \"schedule\"` but no `[[spend_schedule]]`"),
                )
                .with_help("add `[[spend_schedule]]` entries with `from`, `to` and `amount_usd`"),
            );
            return;
        }
        (SpendModel::Schedule, false) => {}
        (model, false) => {
            out.push(
                Diagnostic::new(
                    Code::UnexpectedSchedule,
                    c.origin.span("spend_schedule"),
                    format!(
                        "{what} has `[[spend_schedule]]` entries, but its spend model is `{}`",
                        model.name()
                    ),
                )
                .with_help("set `spend = \"schedule\"`, or remove the entries"),
            );
            return;
        }
        (_, true) => return,
    }
    let mut sum = Decimal::ZERO;
    let mut windows: Vec<&ScheduleEntry> = Vec::new();
    for e in &c.spend_schedule {
        positive(
            e.amount_usd,
            &e.origin,
            "amount_usd",
            &format!("a schedule entry of {what}"),
            out,
        );
        match sum.checked_add(e.amount_usd) {
            Some(s) => sum = s,
            None => {
                out.push(Diagnostic::new(
                    Code::Overflow,
                    e.origin.span("amount_usd"),
                    format!("{what}: schedule amounts overflow"),
                ));
                return;
            }
        }
        if e.to <= e.from {
            out.push(Diagnostic::new(
                Code::EmptyTerm,
                e.origin.span("to"),
                format!("{what}: schedule window [{}, {}) is empty; `to` is exclusive and must be after `from`", e.from, e.to),
            ));
            continue;
        }
        if term_ok && (e.from < c.start || e.to > c.end) {
            let key = if e.from < c.start { "from" } else { "to" };
            out.push(
                Diagnostic::new(
                    Code::ScheduleOutsideTerm,
                    e.origin.span(key),
                    format!(
                        "{what}: schedule window [{}, {}) leaves the term [{}, {})",
                        e.from, e.to, c.start, c.end
                    ),
                )
                .with_related(c.origin.span("start"), "the term starts here"),
            );
        }
        windows.push(e);
    }
    windows.sort_by_key(|e| (e.from, e.to));
    // Each window against the one reaching furthest among those before it, so that a long
    // window overlapping several later ones is reported for each.
    let mut reach: Option<&ScheduleEntry> = None;
    for &b in &windows {
        if let Some(a) = reach
            && b.from < a.to
        {
            out.push(
                Diagnostic::new(
                    Code::ScheduleOverlap,
                    b.origin.span("from"),
                    format!(
                        "{what}: schedule window [{}, {}) overlaps [{}, {})",
                        b.from, b.to, a.from, a.to
                    ),
                )
                .with_related(a.origin.span("to"), "the earlier window ends here")
                .with_help(format!(
                    "windows are half-open: start this one on {} or later",
                    a.to
                )),
            );
        }
        if reach.is_none_or(|a| b.to > a.to) {
            reach = Some(b);
        }
    }
    if sum != c.value_usd {
        // Amounts may be negative (reported above), so the difference can leave the range.
        let Some(diff) = c.value_usd.checked_sub(sum) else {
            let message = format!(
                "{what}: schedule sums to {}, too far from `value_usd` ({}) to compute the difference",
                format_money(sum),
                format_money(c.value_usd)
            );
            out.push(Diagnostic::new(
                Code::Overflow,
                c.origin.span("value_usd"),
                message,
            ));
            return;
        };
        let (amount, side) = if diff > Decimal::ZERO {
            (diff, "short of")
        } else {
            (-diff, "over")
        };
        out.push(
            Diagnostic::new(
                Code::ScheduleSumMismatch,
                c.origin.span("value_usd"),
                format!(
                    "{what}: schedule sums to {}, {} {side} `value_usd` ({})",
                    format_money(sum),
                    format_money(amount),
                    format_money(c.value_usd)
                ),
            )
            .with_help("make the `amount_usd` entries add up to `value_usd` exactly"),
        );
    }
}
