//! Drawing a chart with plotters, in the built-in font: the title, the axes and their period
//! ticks, each layer and the legend, as an SVG document or a PNG image.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, register_font};

use super::{Chart, ChartError, Layer, SIZE};

/// The font every chart's text is set in.
const FONT: &str = "sans-serif";
static FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// Colors of the series, in order: distinct, and readable printed in grey.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Colors of the dashed reference lines, such as targets.
const REFERENCE_COLORS: [RGBColor; 3] = [
    RGBColor(200, 30, 30),
    RGBColor(110, 40, 150),
    RGBColor(20, 20, 20),
];

fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

fn fonts() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        [FontStyle::Normal, FontStyle::Bold]
            .into_iter()
            .all(|style| register_font(FONT, style, FONT_BYTES).is_ok())
    });
    if ok {
        Ok(())
    } else {
        Err(ChartError::Draw(
            "the built-in font does not load".to_owned(),
        ))
    }
}

fn draw_error<E: std::fmt::Debug>(e: E) -> ChartError {
    ChartError::Draw(format!("{e:?}"))
}

/// The chart as an SVG document.
pub fn svg(chart: &Chart) -> Result<String, ChartError> {
    fonts()?;
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, SIZE).into_drawing_area();
        draw(chart, &root)?;
        root.present().map_err(draw_error)?;
    }
    text.push('\n');
    Ok(text)
}

/// The chart as a PNG image.
pub fn png(chart: &Chart) -> Result<Vec<u8>, ChartError> {
    fonts()?;
    let (w, h) = SIZE;
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area();
        draw(chart, &root)?;
        root.present().map_err(draw_error)?;
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(draw_error)?;
        writer.write_image_data(&rgb).map_err(draw_error)?;
    }
    Ok(out)
}

/// The periods that get a label: at most 14, evenly spaced, starting at a year's first
/// period where the spacing is whole years.
fn tick_periods(labels: &[String]) -> Vec<usize> {
    let n = labels.len();
    let per_year = if labels.iter().any(|l| l.contains('Q')) {
        4
    } else if labels.iter().any(|l| l.contains('-')) {
        12
    } else {
        1
    };
    let steps: &[usize] = match per_year {
        4 => &[1, 2, 4, 8, 12, 20, 40],
        12 => &[1, 2, 3, 6, 12, 24, 36, 60, 120],
        _ => &[1, 2, 5, 10, 20, 50, 100],
    };
    let step = steps
        .iter()
        .copied()
        .find(|s| n.div_ceil(*s) <= 14)
        .unwrap_or(n.div_ceil(14).max(1));
    let first = if step % per_year == 0 {
        labels
            .iter()
            .take(step)
            .position(|l| l.ends_with("Q1") || l.ends_with("-01"))
            .unwrap_or(0)
    } else {
        0
    };
    (first..n).step_by(step).collect()
}

/// The highest value any layer reaches.
fn top(chart: &Chart) -> f64 {
    let mut top: f64 = 0.0;
    for layer in &chart.layers {
        match layer {
            Layer::Stack(series) => {
                for i in 0..chart.labels.len() {
                    top = top.max(series.iter().map(|s| s.values[i]).sum());
                }
            }
            Layer::Band { high, .. } => top = high.iter().copied().fold(top, f64::max),
            Layer::Line(s) | Layer::Baseline(s) => {
                top = s.values.iter().copied().fold(top, f64::max);
            }
            Layer::Reference { value, .. } => top = top.max(*value),
            Layer::Vertical { .. } => {}
            Layer::Markers { points, .. } => {
                top = points.iter().map(|p| p.1).fold(top, f64::max);
            }
        }
    }
    if top > 0.0 { top * 1.08 } else { 1.0 }
}

fn draw<DB: DrawingBackend>(
    chart: &Chart,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), ChartError> {
    root.fill(&WHITE).map_err(draw_error)?;
    let n = chart.labels.len();
    let last = n.saturating_sub(1).max(1) as f64;
    let (title_area, body) = root.split_vertically(64);
    title_area
        .draw(&Text::new(
            chart.title.clone(),
            (24, 12),
            (FONT, 26).into_font().style(FontStyle::Bold),
        ))
        .map_err(draw_error)?;
    title_area
        .draw(&Text::new(
            chart.subtitle.clone(),
            (24, 42),
            (FONT, 15).into_font().color(&RGBColor(90, 90, 90)),
        ))
        .map_err(draw_error)?;
    let ticks: Vec<f64> = tick_periods(&chart.labels)
        .into_iter()
        .map(|i| i as f64)
        .collect();
    let mut ctx = ChartBuilder::on(&body)
        .margin_left(16)
        .margin_right(40)
        .margin_bottom(12)
        .x_label_area_size(56)
        .y_label_area_size(88)
        .build_cartesian_2d(0f64..last, 0f64..top(chart))
        .map_err(draw_error)?;
    let unit = chart.y_unit;
    // Period labels go on whole periods, which plotters' own x labels cannot promise: the
    // mesh draws none, and the labels and their grid lines are drawn below.
    ctx.configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_label_formatter(&|y| unit.format(*y))
        .x_desc(chart.x_desc.as_str())
        .y_desc(chart.y_desc.as_str())
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .light_line_style(RGBColor(246, 246, 246))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()
        .map_err(draw_error)?;
    let height = top(chart);
    let grid = ShapeStyle::from(RGBColor(215, 215, 215)).stroke_width(1);
    for &x in &ticks {
        ctx.draw_series(LineSeries::new([(x, 0.0), (x, height)], grid))
            .map_err(draw_error)?;
        let (px, py) = ctx.backend_coord(&(x, 0.0));
        let style = (FONT, 14)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Top));
        body.draw(&Text::new(
            chart.labels[x as usize].clone(),
            (
                px - body.get_base_pixel().0,
                py - body.get_base_pixel().1 + 8,
            ),
            style,
        ))
        .map_err(draw_error)?;
    }
    let xs: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let mut next_color = 0;
    let mut next_reference = 0;
    for layer in &chart.layers {
        match layer {
            Layer::Stack(series) => {
                let mut base = vec![0.0; n];
                for s in series {
                    let c = color(next_color);
                    next_color += 1;
                    let upper: Vec<f64> = base.iter().zip(&s.values).map(|(b, v)| b + v).collect();
                    let points: Vec<(f64, f64)> = xs
                        .iter()
                        .copied()
                        .zip(upper.iter().copied())
                        .chain(xs.iter().copied().zip(base.iter().copied()).rev())
                        .collect();
                    ctx.draw_series(std::iter::once(Polygon::new(points, c.mix(0.85).filled())))
                        .map_err(draw_error)?
                        .label(s.name.clone())
                        .legend(move |(x, y)| {
                            Rectangle::new([(x, y - 6), (x + 14, y + 6)], c.filled())
                        });
                    base = upper;
                }
            }
            Layer::Band { name, low, high } => {
                let c = color(0);
                let points: Vec<(f64, f64)> = xs
                    .iter()
                    .copied()
                    .zip(high.iter().copied())
                    .chain(xs.iter().copied().zip(low.iter().copied()).rev())
                    .collect();
                ctx.draw_series(std::iter::once(Polygon::new(points, c.mix(0.25).filled())))
                    .map_err(draw_error)?
                    .label(name.clone())
                    .legend(move |(x, y)| {
                        Rectangle::new([(x, y - 6), (x + 14, y + 6)], c.mix(0.25).filled())
                    });
            }
            Layer::Line(s) | Layer::Baseline(s) => {
                let style = if matches!(layer, Layer::Baseline(_)) {
                    ShapeStyle::from(RGBColor(60, 60, 60)).stroke_width(6)
                } else {
                    next_color += 1;
                    ShapeStyle::from(color(next_color - 1)).stroke_width(3)
                };
                ctx.draw_series(LineSeries::new(
                    xs.iter().copied().zip(s.values.iter().copied()),
                    style,
                ))
                .map_err(draw_error)?
                .label(s.name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], style));
            }
            Layer::Reference { name, value } => {
                let c = REFERENCE_COLORS[next_reference % REFERENCE_COLORS.len()];
                next_reference += 1;
                let style = ShapeStyle::from(c).stroke_width(2);
                ctx.draw_series(DashedLineSeries::new(
                    [(0.0, *value), (last, *value)],
                    10,
                    6,
                    style,
                ))
                .map_err(draw_error)?
                .label(name.clone())
                // Dashed in the legend as in the plot.
                .legend(move |(x, y)| {
                    EmptyElement::at((x, y))
                        + PathElement::new(vec![(0, 0), (5, 0)], style)
                        + PathElement::new(vec![(9, 0), (14, 0)], style)
                });
            }
            Layer::Vertical { name, x } => {
                let style = ShapeStyle::from(RGBColor(40, 40, 40)).stroke_width(2);
                ctx.draw_series(DashedLineSeries::new(
                    [(*x, 0.0), (*x, top(chart))],
                    8,
                    6,
                    style,
                ))
                .map_err(draw_error)?
                .label(name.clone())
                .legend(move |(x, y)| {
                    EmptyElement::at((x, y))
                        + PathElement::new(vec![(0, 0), (5, 0)], style)
                        + PathElement::new(vec![(9, 0), (14, 0)], style)
                });
            }
            Layer::Markers { name, points } => {
                let c = RGBColor(20, 20, 20);
                let ring = ShapeStyle::from(WHITE).stroke_width(2);
                ctx.draw_series(points.iter().map(|&p| Circle::new(p, 8, ring)))
                    .map_err(draw_error)?;
                ctx.draw_series(points.iter().map(|&p| Circle::new(p, 6, c.filled())))
                    .map_err(draw_error)?
                    .label(name.clone())
                    .legend(move |(x, y)| Circle::new((x + 7, y), 5, c.filled()));
            }
        }
    }
    ctx.configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font((FONT, 14))
        // Opaque, so that no line drawn beneath shows through the legend.
        .background_style(WHITE)
        .border_style(RGBColor(190, 190, 190))
        .draw()
        .map_err(draw_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::chart::{Series, Unit};

    #[test]
    fn a_reference_line_is_dashed_in_the_legend_too_over_an_opaque_legend() {
        let chart = Chart {
            title: "t".into(),
            subtitle: "s".into(),
            x_desc: "x".into(),
            y_desc: "y".into(),
            y_unit: Unit::Gw,
            labels: vec!["2026Q1".into(), "2026Q2".into()],
            layers: vec![
                Layer::Stack(vec![Series {
                    name: "a".into(),
                    values: vec![1.0, 2.0],
                }]),
                Layer::Reference {
                    name: "target".into(),
                    value: 1.5,
                },
            ],
        };
        let svg = svg(&chart).expect("drawn");
        // Dashes are polylines of two points; the legend's are 5 px long, the plot's 10 px.
        let short = svg
            .lines()
            .filter(|l| l.starts_with("<polyline") && l.contains("stroke=\"#C81E1E\""))
            .filter_map(|l| l.split("points=\"").nth(1))
            .filter(|points| {
                let xs: Vec<i64> = points
                    .split_whitespace()
                    .filter_map(|p| p.split(',').next()?.parse().ok())
                    .collect();
                xs.len() == 2 && xs[1] - xs[0] == 5
            })
            .count();
        assert_eq!(short, 2, "{svg}");
        assert!(!svg.contains("opacity=\"0.9\""));
    }
}
