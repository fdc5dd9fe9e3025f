//! The rows of `capacity` and `spend`, computed as they are written: a report by month and
//! tranche of a large catalog has millions of rows, so the engine computes them a block of
//! periods at a time and each row is made only when it is written (docs/cli.md, "Large
//! reports"). A report small enough for one block is computed once, when its rows are made.

use std::io;
use std::ops::Range;

use rust_decimal::Decimal;

use crate::engine::{self, CapacityCell, CapacityProjection, EngineError, GroupBy, Period};
use crate::report::build::{Context, capacity_columns, pct, period_cells, spend_columns};
use crate::report::build::{target_power_mw, target_spend};
use crate::report::document::{Cell, Column, Rows, RowsError};

/// The most group-period cells computed at once: a block of periods holds at most this many
/// (about 25 MB of figures and 45 MB of sums in flight), or one period where groups are more.
pub const BLOCK_CELLS: usize = 1 << 17;

/// The periods of `window` in blocks of at most [`BLOCK_CELLS`] cells over `groups` groups.
fn blocks(window: &Range<usize>, groups: usize) -> Vec<Range<usize>> {
    let len = (BLOCK_CELLS / groups.max(1)).max(1);
    (window.start..window.end)
        .step_by(len)
        .map(|start| start..(start + len).min(window.end))
        .collect()
}

/// What is done with a block of periods and its figures, `[group][period - block.start]`.
type BlockVisitor<'v> =
    dyn FnMut(&Range<usize>, &[Vec<CapacityCell>]) -> Result<(), RowsError> + 'v;

/// The rows of `capacity`: one per period of the window and group.
pub struct CapacityRows<'a> {
    projection: CapacityProjection<'a>,
    periods: &'a [Period],
    blocks: Vec<Range<usize>>,
    /// The figures of the only block, where there is one: computed once, up front.
    held: Option<Vec<Vec<CapacityCell>>>,
    goal: Option<Decimal>,
}

impl<'a> CapacityRows<'a> {
    /// The columns and the rows of `capacity` by `by`. Where the window is one block, its
    /// figures are computed here, so that any error comes before a row is written.
    pub fn new(ctx: &Context<'a>, by: GroupBy) -> Result<(Vec<Column>, Self), EngineError> {
        let projection = CapacityProjection::new(ctx.catalog, ctx.timeline, by, ctx.filter)?;
        let blocks = blocks(&ctx.timeline.window, projection.groups.len());
        let held = match blocks.as_slice() {
            [only] => Some(projection.cells(only.clone())?),
            _ => None,
        };
        let rows = CapacityRows {
            projection,
            periods: &ctx.timeline.periods,
            blocks,
            held,
            goal: target_power_mw(ctx.target),
        };
        Ok((capacity_columns(), rows))
    }

    fn each_block(&self, f: &mut BlockVisitor<'_>) -> Result<(), RowsError> {
        if let (Some(cells), [only]) = (&self.held, self.blocks.as_slice()) {
            return f(only, cells);
        }
        for block in &self.blocks {
            let cells = self.projection.cells(block.clone())?;
            f(block, &cells)?;
        }
        Ok(())
    }
}

impl Rows for CapacityRows<'_> {
    fn each(&self, row: &mut dyn FnMut(&[Cell]) -> io::Result<()>) -> Result<(), RowsError> {
        let mut cells = Vec::with_capacity(13);
        self.each_block(&mut |block, figures| {
            for p in block.clone() {
                for (g, name) in self.projection.groups.iter().enumerate() {
                    let c = &figures[g][p - block.start];
                    cells.clear();
                    cells.extend(period_cells(&self.periods[p], name));
                    cells.extend([
                        Cell::Count(c.gpus),
                        Cell::Count(c.cpus),
                        Cell::Count(c.gpu_hours),
                        Cell::Count(c.cpu_hours),
                        Cell::Decimal(c.power_mw()),
                        pct(c.power_mw(), self.goal),
                        Cell::Count(c.h100e),
                        Cell::Count(c.h100e_hours),
                        Cell::Decimal(c.eflops()),
                    ]);
                    row(&cells)?;
                }
            }
            Ok(())
        })
    }

    fn check(&self) -> Result<(), EngineError> {
        match self.each_block(&mut |_, _| Ok(())) {
            Err(RowsError::Engine(e)) => Err(e),
            _ => Ok(()),
        }
    }

    fn count(&self) -> usize {
        self.blocks.iter().map(Range::len).sum::<usize>() * self.projection.groups.len()
    }
}

/// The rows of `spend`: one per period of the window and group, with the running total from
/// the first period of the timeline.
pub struct SpendRows<'a> {
    series: engine::Series<i128>,
    periods: &'a [Period],
    window: Range<usize>,
    goal: Option<Decimal>,
}

impl<'a> SpendRows<'a> {
    /// The columns and rows of `spend` by `by`. Spend in cents is a sixteenth of capacity's
    /// figures: it is computed here, whole, so that any error comes before a row is written.
    pub fn new(ctx: &Context<'a>, by: GroupBy) -> Result<(Vec<Column>, Self), EngineError> {
        let series = engine::spend(ctx.catalog, ctx.timeline, by, ctx.filter)?;
        let rows = SpendRows {
            series,
            periods: &ctx.timeline.periods,
            window: ctx.timeline.window.clone(),
            goal: target_spend(ctx.target),
        };
        Ok((spend_columns(), rows))
    }
}

impl Rows for SpendRows<'_> {
    fn each(&self, row: &mut dyn FnMut(&[Cell]) -> io::Result<()>) -> Result<(), RowsError> {
        let groups = &self.series.groups;
        let mut cum = vec![0_i128; groups.len()];
        let mut cells = Vec::with_capacity(7);
        for p in 0..self.window.end {
            for (g, total) in cum.iter_mut().enumerate() {
                *total = total.saturating_add(self.series.values[g][p]);
            }
            if p < self.window.start {
                continue;
            }
            for (g, name) in groups.iter().enumerate() {
                let total = engine::dollars(cum[g]);
                cells.clear();
                cells.extend(period_cells(&self.periods[p], name));
                cells.extend([
                    Cell::Decimal(engine::dollars(self.series.values[g][p])),
                    Cell::Decimal(total),
                    pct(total, self.goal),
                ]);
                row(&cells)?;
            }
        }
        Ok(())
    }

    fn count(&self) -> usize {
        self.window.len() * self.series.groups.len()
    }
}

/// Every row, held: for the outputs that need them all at once (workbooks, charts, pages).
pub fn collect(rows: &dyn Rows) -> Result<Vec<Vec<Cell>>, EngineError> {
    let mut out = Vec::with_capacity(rows.count());
    match rows.each(&mut |r| {
        out.push(r.to_vec());
        Ok(())
    }) {
        Err(RowsError::Engine(e)) => Err(e),
        // Pushing to a `Vec` cannot fail.
        _ => Ok(out),
    }
}
