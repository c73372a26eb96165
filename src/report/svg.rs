//! The report's two plots, as inline SVG: a histogram of scores on
//! logarithmic bins and the residual per iteration on a log scale.

use crate::numeric::{log10, powi};
use std::fmt::Write;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 180.0;
const PAD: f64 = 34.0;

/// A histogram of the positive `values` over decades (10⁻ᵏ bins, two per
/// decade); how many are zero or negative is said under it.
pub fn histogram(values: &[f64]) -> String {
    let positive: Vec<f64> = values.iter().copied().filter(|v| *v > 0.0 && v.is_finite()).collect();
    let rest = values.len() - positive.len();
    if positive.is_empty() {
        return format!("<p class=\"muted\">no positive scores ({rest} zero or negative)</p>");
    }
    let low = log10(positive.iter().copied().fold(f64::INFINITY, f64::min)).floor();
    let high = log10(positive.iter().copied().fold(f64::NEG_INFINITY, f64::max)).floor() + 1.0;
    let bins = (((high - low) * 2.0) as usize).max(1);
    let mut counts = vec![0usize; bins];
    for v in &positive {
        let at = (((log10(*v) - low) * 2.0) as usize).min(bins - 1);
        counts[at] += 1;
    }
    let most = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let bar = (WIDTH - 2.0 * PAD) / bins as f64;
    let mut svg = open_svg("score distribution");
    for (k, &n) in counts.iter().enumerate() {
        let h = (HEIGHT - 2.0 * PAD) * n as f64 / most;
        let x = PAD + k as f64 * bar;
        let y = HEIGHT - PAD - h;
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"#0969da\"><title>{n} scores in [1e{:.1}, 1e{:.1})</title></rect>",
            (bar - 1.0).max(1.0),
            low + k as f64 / 2.0,
            low + (k + 1) as f64 / 2.0
        );
    }
    for decade in (low as i64)..=(high as i64) {
        let x = PAD + (decade as f64 - low) * 2.0 * bar;
        let _ =
            write!(svg, "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">1e{decade}</text>", HEIGHT - PAD + 14.0);
    }
    let _ = write!(svg, "<text x=\"{PAD}\" y=\"14\">{} peak</text>", most as usize);
    svg.push_str("</svg>");
    format!(
        "{svg}<p class=\"muted\">{} positive scores on log-scale bins (two per decade); {rest} zero or negative</p>",
        positive.len()
    )
}

/// The residual after each iteration of each scope, on a log scale.
pub fn convergence(scopes: &[(String, Vec<f64>, f64)]) -> String {
    let all: Vec<f64> =
        scopes.iter().flat_map(|(_, r, e)| r.iter().copied().chain([*e])).filter(|v| *v > 0.0).collect();
    if all.is_empty() {
        return "<p class=\"muted\">no residuals recorded</p>".to_owned();
    }
    let low = log10(all.iter().copied().fold(f64::INFINITY, f64::min)).floor();
    let high = log10(all.iter().copied().fold(f64::NEG_INFINITY, f64::max)).ceil().max(low + 1.0);
    let longest = scopes.iter().map(|(_, r, _)| r.len()).max().unwrap_or(1).max(2);
    let x = |k: usize| PAD + (WIDTH - 2.0 * PAD) * k as f64 / (longest - 1) as f64;
    let y = |v: f64| HEIGHT - PAD - (HEIGHT - 2.0 * PAD) * (log10(v.max(powi(10.0, low as i32))) - low) / (high - low);
    let mut svg = open_svg("residual per iteration");
    for (k, (scope, residuals, epsilon)) in scopes.iter().enumerate() {
        let colour = ["#0969da", "#bf3989", "#1a7f37", "#9a6700"][k % 4];
        let points: Vec<String> =
            residuals.iter().enumerate().map(|(i, r)| format!("{:.1},{:.1}", x(i), y(*r))).collect();
        let _ = write!(
            svg,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"><title>{}</title></polyline>",
            points.join(" "),
            super::escape(scope)
        );
        let _ = write!(
            svg,
            "<line x1=\"{PAD}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{colour}\" stroke-dasharray=\"4 3\"><title>epsilon {epsilon:e}</title></line>",
            WIDTH - PAD,
            y(*epsilon),
            y(*epsilon)
        );
    }
    for decade in (low as i64)..=(high as i64) {
        let _ = write!(svg, "<text x=\"2\" y=\"{:.1}\">1e{decade}</text>", y(powi(10.0, decade as i32)) + 4.0);
    }
    let _ = write!(
        svg,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">iteration {longest}</text>",
        WIDTH - PAD,
        HEIGHT - 6.0
    );
    svg.push_str("</svg>");
    svg
}

fn open_svg(label: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{label}\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\"><line x1=\"{PAD}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#d0d7de\"/>",
        WIDTH - PAD,
        HEIGHT - PAD,
        HEIGHT - PAD
    )
}
