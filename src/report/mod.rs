//! `scoreset report EPOCH`: one self-contained HTML page about an epoch (no
//! network, no external script): its summary, parameters and inputs, the
//! score distribution, the top scores, artifacts by badge, convergence,
//! rejects by reason and the changes since the previous epoch when that sits
//! beside it. The page checks the epoch itself when opened: it fetches the
//! files beside it (or takes files dropped on it) and verifies the
//! manifest's eddsa-jcs-2022 proof with WebCrypto Ed25519 and every file's
//! SHA-256, showing VALID or INVALID with the first failing file.
//!
//! The report is written beside the epoch folder (`<epoch>.report.html`),
//! never inside it: an epoch never changes.

mod svg;

use crate::diff::{self, TABLES};
use crate::error::{Error, Result};
use crate::verify::{VerifyOptions, verify_epoch};
use sha2::{Digest, Sha256};
use std::fmt::Write;
use std::path::{Path, PathBuf};

const SCRIPT: &str = include_str!("verify.js");
const STYLE: &str = include_str!("style.css");
/// Rows of each top list.
const TOP: usize = 20;

/// Writes the report of the epoch at `epoch` to `out` (default: beside the
/// epoch folder, `<epoch>.report.html`), atomically; returns where.
pub fn report(epoch: &Path, out: Option<&Path>) -> Result<PathBuf> {
    let verified = verify_epoch(epoch, &VerifyOptions::default())?;
    let epoch_dir = &verified.epoch;
    let name = epoch_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let parent = epoch_dir.parent().unwrap_or(Path::new("."));
    let out = out.map(Path::to_path_buf).unwrap_or_else(|| parent.join(format!("{name}.report.html")));
    let out_dir = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let out_dir = out_dir.canonicalize().map_err(|source| Error::Read { path: out_dir.to_path_buf(), source })?;
    // Where the page fetches the epoch's files from, relative to itself.
    let base = epoch_dir.strip_prefix(&out_dir).ok().map(|rel| {
        let rel: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        rel.iter().map(|c| format!("{c}/")).collect::<String>()
    });
    let html = render(&verified, &name, base.as_deref())?;
    let temp = out_dir.join(format!(
        ".{}.{}",
        out.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
        std::process::id()
    ));
    std::fs::write(&temp, html)
        .and_then(|()| std::fs::rename(&temp, &out))
        .map_err(|source| Error::Write { path: out.clone(), source })?;
    Ok(out)
}

/// The page.
fn render(verified: &crate::verify::Report, name: &str, base: Option<&str>) -> Result<String> {
    let manifest = &verified.manifest;
    let subject = &manifest.credential_subject;
    let manifest_bytes =
        crate::fsio::read_limited(&verified.epoch.join(crate::scoreset::MANIFEST), crate::fsio::MAX_DOCUMENT_BYTES)?;
    let config = serde_json::json!({
        "epochBase": base.unwrap_or(""),
        "manifestSha256": hex::encode(Sha256::digest(&manifest_bytes)),
    });
    let title = format!("{} — {} epoch {}", subject.pipeline.name, subject.model, subject.as_of);
    let mut page = String::new();
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{}</title><style>{STYLE}</style></head><body>\n<h1>{}</h1>\n<p class=\"muted\">epoch <code>{}</code> · made by {} {}</p>\n",
        escape(&title),
        escape(&title),
        escape(name),
        escape(&subject.software.name),
        escape(&subject.software.version)
    );
    page.push_str(
        "<div id=\"verdict\" class=\"verdict checking\" data-status=\"CHECKING\">CHECKING — this page verifies the epoch's files in your browser</div>\n",
    );
    if base.is_none() {
        page.push_str("<p class=\"muted\">The report is not beside the epoch's folder: drop the epoch's files on this page to check them.</p>\n");
    }

    section(&mut page, "Summary");
    let mut rows = vec![
        ("model".to_owned(), subject.model.clone()),
        ("as of".to_owned(), subject.as_of.clone()),
        ("signed by".to_owned(), verified.signer.clone()),
        ("previous epoch".to_owned(), subject.previous_epoch.clone().unwrap_or_else(|| "none (first epoch)".into())),
    ];
    rows.extend(subject.algorithms.iter().map(|(k, v)| (format!("algorithm: {k}"), v.clone())));
    table(
        &mut page,
        &["", ""],
        rows.iter().map(|(k, v)| vec![escape(k), format!("<span class=\"mono\">{}</span>", escape(v))]),
    );

    section(&mut page, "Parameters");
    let parameters = subject.parameters.as_object().cloned().unwrap_or_default();
    table(
        &mut page,
        &["parameter", "value"],
        parameters.iter().map(|(k, v)| vec![escape(k), format!("<code>{}</code>", escape(&v.to_string()))]),
    );

    section(&mut page, "Inputs");
    table(
        &mut page,
        &["source", "kind", "records", "rejected", "SHA-256"],
        subject.inputs.iter().map(|i| {
            vec![
                format!("<code>{}</code>", escape(&i.source)),
                escape(&i.kind),
                num(i.records),
                num(i.rejected),
                format!(
                    "<code>{}</code>",
                    i.digest.as_ref().map(|d| escape(&d.sha256)).unwrap_or_else(|| "(inline)".into())
                ),
            ]
        }),
    );

    for (t, file) in TABLES.iter().filter_map(|t| Some((t, t.source(&[manifest])?))) {
        let records = diff::read_table(&verified.epoch.join(file), t)?;
        section(&mut page, &format!("{}s: {} ({} in {file})", t.what, t.value, records.len()));
        let values: Vec<f64> = records.values().map(|(v, _)| *v).collect();
        page.push_str(&svg::histogram(&values));
        if let Some(label) = t.label {
            let mut by_label: std::collections::BTreeMap<&str, usize> = Default::default();
            for (_, l) in records.values() {
                *by_label.entry(if l.is_empty() { "(none)" } else { l.as_str() }).or_default() += 1;
            }
            let _ = write!(
                page,
                "<p>by {label}: {}</p>",
                by_label.iter().map(|(l, n)| format!("{} {n}", escape(l))).collect::<Vec<_>>().join(" · ")
            );
        }
        let mut top: Vec<(&String, &(f64, String))> = records.iter().collect();
        top.sort_by(|a, b| b.1.0.total_cmp(&a.1.0));
        let _ = write!(page, "<p class=\"muted\">top {}</p>", TOP.min(top.len()));
        table(
            &mut page,
            &[t.what, t.value, t.label.unwrap_or("")],
            top.iter().take(TOP).map(|(k, (v, l))| {
                vec![format!("<code>{}</code>", escape(k)), format!("<span class=\"mono\">{v}</span>"), escape(l)]
            }),
        );
    }

    let scopes: Vec<(String, Vec<f64>, f64)> = subject.counts["scopes"]
        .as_array()
        .map(|scopes| {
            scopes
                .iter()
                .map(|s| {
                    let residuals = s["residuals"]
                        .as_array()
                        .map(|r| r.iter().filter_map(|v| v.as_f64()).collect())
                        .unwrap_or_default();
                    (
                        s["scope"].as_str().unwrap_or_default().to_owned(),
                        residuals,
                        s["epsilon"].as_f64().unwrap_or(0.0),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if !scopes.is_empty() {
        section(&mut page, "Convergence");
        page.push_str(&svg::convergence(&scopes));
        for (scope, residuals, epsilon) in &scopes {
            let _ = write!(
                page,
                "<p class=\"muted\">{}: {} iterations to a residual {:e} ≤ ε {epsilon:e}</p>",
                escape(scope),
                residuals.len(),
                residuals.last().copied().unwrap_or(0.0)
            );
        }
    }

    section(&mut page, "Rejects by reason");
    let rejects = subject.counts["rejectedByReason"].as_object().cloned().unwrap_or_default();
    if rejects.is_empty() {
        page.push_str("<p>none</p>");
    } else {
        table(
            &mut page,
            &["reason", "records"],
            rejects.iter().map(|(k, v)| vec![format!("<code>{}</code>", escape(k)), escape(&v.to_string())]),
        );
    }

    section(&mut page, "Changes since the previous epoch");
    // The manifest names the previous epoch's folder: only a plain name beside this one is looked at.
    let previous = subject
        .previous_epoch
        .as_ref()
        .filter(|p| crate::fetch::is_plain_file_name(p, 64))
        .map(|p| verified.epoch.with_file_name(p))
        .filter(|p| p.is_dir());
    // This epoch is verified already: only the previous one is checked here.
    let diffed = previous
        .map(|p| verify_epoch(&p, &VerifyOptions::default()).and_then(|old| diff::diff_verified(&old, verified, 10)));
    match diffed {
        Some(Ok(d)) => {
            let _ = write!(page, "<pre class=\"mono\">{}</pre>", escape(&d.to_text(10)));
        }
        Some(Err(e)) => {
            let _ = write!(page, "<p>the previous epoch beside it does not verify: {}</p>", escape(&e.to_string()));
        }
        None => page.push_str("<p class=\"muted\">no previous epoch beside this one</p>"),
    }
    let config = serde_json::to_string(&config).map_err(|source| Error::Serialize { what: "report".into(), source })?;
    let _ =
        write!(page, "\n<script>const REPORT = {};\n{SCRIPT}</script>\n</body></html>\n", config.replace("</", "<\\/"));
    Ok(page)
}

fn section(page: &mut String, title: &str) {
    let _ = write!(page, "\n<h2>{}</h2>\n", escape(title));
}

/// A table of already escaped cells.
fn table(page: &mut String, header: &[&str], rows: impl Iterator<Item = Vec<String>>) {
    page.push_str("<table><tr>");
    for h in header {
        let _ = write!(page, "<th>{}</th>", escape(h));
    }
    page.push_str("</tr>");
    for row in rows {
        page.push_str("<tr>");
        for cell in row {
            let _ = write!(page, "<td>{cell}</td>");
        }
        page.push_str("</tr>");
    }
    page.push_str("</table>\n");
}

fn num(n: u64) -> String {
    format!("<span class=\"mono\">{n}</span>")
}

/// Text made safe inside HTML elements and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn text_from_an_epoch_cannot_open_a_tag_or_leave_an_attribute() {
        assert_eq!(
            escape("<script>\"x\" & 'y'</script>"),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }
}
