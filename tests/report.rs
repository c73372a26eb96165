//! `scoreset report` in a real browser: headless Chromium (Debian package
//! `chromium`, installed by `.ci/run`) opens the report of a sample epoch
//! served from 127.0.0.1, and the page's own check says VALID; with one byte
//! of `scores.csv` flipped it says INVALID naming that file. A screenshot is
//! kept under the target folder. In CI a missing Chromium fails the test;
//! elsewhere it is skipped, saying so.

mod common;

use common::{describe, scoreset};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("chromium"))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(std::env::var_os("CI").is_none(), "CI must have chromium: .ci/run installs it");
        eprintln!("skipped: no chromium on PATH (apt-get install chromium, or run .ci/run)");
    }
    found
}

/// A static file server for `root` on 127.0.0.1 (plain names only: no `..`).
fn serve(root: &Path) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let root = root.to_path_buf();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = String::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            reader.read_line(&mut request).unwrap_or(0);
            let mut header = String::new();
            while reader.read_line(&mut header).unwrap_or(0) > 2 {
                header.clear();
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/").split('?').next().unwrap_or("/").to_owned();
            let file = (!path.contains("..")).then(|| root.join(path.trim_start_matches('/')));
            let response = match file.and_then(|f| std::fs::read(f).ok()) {
                Some(body) => {
                    let kind =
                        if path.ends_with(".html") { "text/html; charset=utf-8" } else { "application/octet-stream" };
                    [format!("HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).into_bytes(), body].concat()
                }
                None => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
            };
            let _ = stream.write_all(&response);
        }
    });
    url
}

/// Runs headless Chromium on `url` with `args`; its stdout.
fn browse(chromium: &Path, profile: &Path, url: &str, args: &[&str]) -> String {
    let out = Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--virtual-time-budget=20000"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .output()
        .unwrap();
    assert!(out.status.success(), "chromium: {}", describe(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The verdict element's status and text, from a dumped DOM.
fn verdict(dom: &str) -> (String, String) {
    let at = dom.find("id=\"verdict\"").expect("the verdict element");
    let element = &dom[at..];
    let status = element.split("data-status=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let text = element.split('>').nth(1).unwrap().split('<').next().unwrap().to_owned();
    (status, text)
}

#[test]
fn the_report_checks_its_epoch_in_a_real_browser_valid_then_invalid_naming_the_flipped_file() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let pipeline = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/snaps.toml");
    let out = dir.path().join("out");
    for as_of in ["2024-09-01T00:00:00Z", "2025-01-01T00:00:00Z"] {
        let ran = scoreset(&["run", pipeline.to_str().unwrap(), "--as-of", as_of, "--out", out.to_str().unwrap()]);
        assert!(ran.status.success(), "{}", describe(&ran));
    }
    let written = scoreset(&["report", out.join("snaps/latest").to_str().unwrap()]);
    assert!(written.status.success(), "{}", describe(&written));
    let report = out.join("snaps/20250101T000000Z.report.html");
    assert_eq!(String::from_utf8_lossy(&written.stdout).trim(), report.to_str().unwrap());
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("<script src"),
        "self-contained"
    );
    for part in [
        "<h2>Convergence</h2>",
        "<polyline",
        "peers: trust (306 in scores.csv)",
        "Endorsed -&gt; InReview",
        "by badge: (none) 294 · HighlyTrusted 12",
    ] {
        assert!(html.contains(part), "the report shows {part:?}");
    }
    let verify = scoreset(&["verify", out.join("snaps/latest").to_str().unwrap()]);
    assert!(verify.status.success(), "the report sits beside the epoch, not in it: {}", describe(&verify));

    let url = format!("{}/20250101T000000Z.report.html", serve(&out.join("snaps")));
    let profile = dir.path().join("chromium-profile");
    let (status, text) = verdict(&browse(&chromium, &profile, &url, &["--dump-dom"]));
    assert_eq!(status, "VALID", "{text}");
    assert!(text.contains("all 6 files"), "{text}");
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-snaps.png");
    let _ = std::fs::remove_file(&shot);
    browse(
        &chromium,
        &profile,
        &url,
        &["--hide-scrollbars", "--window-size=1200,2400", &format!("--screenshot={}", shot.display())],
    );
    let png = std::fs::read(&shot).expect("the screenshot is kept under the target folder");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000, "a real screenshot: {} bytes", png.len());

    let scores = out.join("snaps/20250101T000000Z/scores.csv");
    let mut bytes = std::fs::read(&scores).unwrap();
    bytes[100] ^= 0x01;
    let mut permissions = std::fs::metadata(&scores).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&scores, permissions).unwrap();
    std::fs::write(&scores, bytes).unwrap();
    let (status, text) = verdict(&browse(&chromium, &profile, &url, &["--dump-dom"]));
    assert_eq!(status, "INVALID", "{text}");
    assert!(text.contains("scores.csv: its SHA-256 differs from the manifest"), "{text}");
}
