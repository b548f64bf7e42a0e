//! The workspace's pictures, drawn here as inline SVG (no charting library, no script): a
//! material's balance over time, the year's duty by period, the capacity used against the cap.
//! Coordinates are worked out in `Decimal` like every figure of the ledger and written with one
//! decimal; colours come from the stylesheet (classes), as the page's CSP allows no inline style.

use maud::{html, Markup};
use rust_decimal::Decimal;

const WIDTH: i64 = 640;
const HEIGHT: i64 = 220;
const LEFT: i64 = 70;
const RIGHT: i64 = 16;
const TOP: i64 = 16;
const BOTTOM: i64 = 40;

/// A coordinate, rounded to one decimal.
fn c(d: Decimal) -> String {
    d.round_dp(1).normalize().to_string()
}

/// The scale's top: the largest value, or 1 when all are zero.
fn top_of(values: impl Iterator<Item = Decimal>) -> Decimal {
    let max = values.fold(Decimal::ZERO, Decimal::max);
    if max <= Decimal::ZERO {
        Decimal::ONE
    } else {
        max
    }
}

/// y of `v` on a scale from 0 to `top`.
fn y_of(v: Decimal, top: Decimal) -> Decimal {
    let plot = Decimal::from(HEIGHT - TOP - BOTTOM);
    Decimal::from(HEIGHT - BOTTOM) - plot * v.max(Decimal::ZERO) / top
}

/// The frame and the scale's labels (0 and the top).
fn axes(top: Decimal) -> Markup {
    html! {
        line.axis x1=(LEFT) y1=(HEIGHT - BOTTOM) x2=(WIDTH - RIGHT) y2=(HEIGHT - BOTTOM) {}
        line.axis x1=(LEFT) y1=(TOP) x2=(LEFT) y2=(HEIGHT - BOTTOM) {}
        text.tick x=(LEFT - 6) y=(HEIGHT - BOTTOM + 4) text-anchor="end" { "0" }
        text.tick x=(LEFT - 6) y=(TOP + 4) text-anchor="end" { (top.round_dp(2).normalize()) }
    }
}

/// A line through `points` (label, value), labels under the axis (every other one when many).
pub fn line(id: &str, caption: &str, points: &[(String, Decimal)]) -> Markup {
    let top = top_of(points.iter().map(|(_, v)| *v));
    let n = points.len().max(2) as i64 - 1;
    let step = Decimal::from(WIDTH - LEFT - RIGHT) / Decimal::from(n);
    let x_of = |i: usize| Decimal::from(LEFT) + step * Decimal::from(i as i64);
    let path: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, (_, v))| format!("{},{}", c(x_of(i)), c(y_of(*v, top))))
        .collect();
    let every = (points.len() / 12).max(1);
    html! {
        figure.chart {
            svg #(id) viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img" aria-label=(caption) {
                (axes(top))
                polyline.series points=(path.join(" ")) {}
                @for (i, (label, v)) in points.iter().enumerate() {
                    circle.dot cx=(c(x_of(i))) cy=(c(y_of(*v, top))) r="3" { title { (label) ": " (v) } }
                    @if i % every == 0 {
                        text.tick x=(c(x_of(i))) y=(HEIGHT - BOTTOM + 16) text-anchor="middle" { (label) }
                    }
                }
            }
            figcaption { (caption) }
        }
    }
}

/// One bar per (label, value, marked); a marked bar (e.g. still to file) has its own colour.
pub fn bars(id: &str, caption: &str, points: &[(String, Decimal, bool)]) -> Markup {
    let top = top_of(points.iter().map(|(_, v, _)| *v));
    let n = points.len().max(1) as i64;
    let slot = Decimal::from(WIDTH - LEFT - RIGHT) / Decimal::from(n);
    let width = slot * Decimal::new(7, 1);
    html! {
        figure.chart {
            svg #(id) viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img" aria-label=(caption) {
                (axes(top))
                @for (i, (label, v, marked)) in points.iter().enumerate() {
                    @let x = Decimal::from(LEFT) + slot * Decimal::from(i as i64) + (slot - width) / Decimal::TWO;
                    @let y = y_of(*v, top);
                    rect class=(if *marked { "bar marked" } else { "bar" })
                        x=(c(x)) y=(c(y)) width=(c(width))
                        height=(c(Decimal::from(HEIGHT - BOTTOM) - y)) {
                        title { (label) ": " (v) }
                    }
                    text.tick x=(c(x + width / Decimal::TWO)) y=(HEIGHT - BOTTOM + 16) text-anchor="middle" { (label) }
                }
            }
            figcaption { (caption) }
        }
    }
}

/// `used` against `cap` as a horizontal bar, with the share in percent.
pub fn gauge(id: &str, caption: &str, used: Decimal, cap: Decimal) -> Markup {
    let inner = Decimal::from(WIDTH - 2 * 10);
    let share = if cap > Decimal::ZERO {
        used.max(Decimal::ZERO) / cap
    } else {
        Decimal::ZERO
    };
    let fill = inner * share.min(Decimal::ONE);
    let pct = (share * Decimal::ONE_HUNDRED).round_dp(1).normalize();
    let class = if share >= Decimal::new(9, 1) {
        "gauge high"
    } else {
        "gauge"
    };
    html! {
        figure.chart {
            svg #(id) viewBox={ "0 0 " (WIDTH) " 60" } role="img" aria-label=(caption) {
                rect.track x="10" y="10" width=(c(inner)) height="24" {}
                rect class=(class) x="10" y="10" width=(c(fill)) height="24" {}
                text.tick x="10" y="52" { (used.round_dp(2).normalize()) " / " (cap.normalize()) " USD" }
                text.tick x=(WIDTH - 10) y="52" text-anchor="end" { (pct) "%" }
            }
            figcaption { (caption) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_charts_scale_to_the_largest_value() {
        assert_eq!(
            y_of(Decimal::ZERO, Decimal::TEN),
            Decimal::from(HEIGHT - BOTTOM)
        );
        assert_eq!(y_of(Decimal::TEN, Decimal::TEN), Decimal::from(TOP));
        let svg = line(
            "x",
            "cap",
            &[("1".into(), Decimal::ZERO), ("2".into(), Decimal::TEN)],
        )
        .into_string();
        assert!(
            svg.contains(&format!(
                "points=\"{LEFT},{} {},{TOP}\"",
                HEIGHT - BOTTOM,
                WIDTH - RIGHT
            )),
            "{svg}"
        );
        let g = gauge("g", "cap", Decimal::from(50), Decimal::from(200)).into_string();
        assert!(g.contains("25%"), "{g}");
        assert!(!g.contains("style="), "the CSP allows no inline style");
    }
}
