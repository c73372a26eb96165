//! What the benchmarks that run the real binary share: reading its `-v`
//! log (stage seconds, fields, peaks) and its peak memory.

#![allow(dead_code)] // each bench uses a part

/// The binary the benches run: `target/release/scoreset`, or `SCORESET_BIN`.
pub fn release_binary() -> std::path::PathBuf {
    let binary = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/scoreset");
    let binary = std::env::var_os("SCORESET_BIN").map(Into::into).unwrap_or(binary);
    assert!(binary.is_file(), "build the binary first: cargo build --release ({})", binary.display());
    binary
}

/// Writes the seeded R-MAT sample of `scale` (seed 7: `edges.csv`,
/// `pretrust.csv`) into `dir`, prints how long it took; its edge rows.
pub fn write_rmat(dir: &std::path::Path, scale: u32) -> usize {
    let started = std::time::Instant::now();
    for (name, text) in scoreset::synth::rmat::rmat_sample(scale, 7) {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let rows = std::fs::read_to_string(dir.join("edges.csv")).unwrap().lines().count();
    println!("R-MAT scale {scale}: {rows} edge rows, generated in {:.1?}", started.elapsed());
    rows
}

/// The peak memory the log line containing `marker` reports (`peak N GiB`), in GiB.
pub fn peak_after(log: &str, marker: &str) -> f64 {
    let line = log.lines().find(|l| l.contains(marker)).unwrap_or_default();
    field(line, "peak ").unwrap_or(0.0)
}

/// Waits for the child `pid`; its exit status and its own peak RSS in KiB.
pub fn wait_with_peak_rss(pid: u32) -> (i32, i64) {
    let mut status = 0;
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: wait4 writes the status and the usage of the child it reaps into the places given.
    let usage = unsafe {
        libc::wait4(pid as libc::pid_t, &mut status, 0, usage.as_mut_ptr());
        usage.assume_init()
    };
    (status, usage.ru_maxrss)
}

/// The `elapsed` of the first log line containing `marker`, in seconds.
pub fn seconds_after(log: &str, marker: &str) -> f64 {
    duration_after(log, marker, "elapsed=")
}

/// The duration after `key` (as tracing writes one: `1.5s`, `12ms`, `7µs`)
/// on the first log line containing `marker`, in seconds.
pub fn duration_after(log: &str, marker: &str, key: &str) -> f64 {
    let line = log.lines().find(|l| l.contains(marker)).unwrap_or_default();
    let elapsed = line.split(key).nth(1).unwrap_or_default();
    let number: String = elapsed.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    let value: f64 = number.parse().unwrap_or(0.0);
    let unit = &elapsed[number.len()..];
    if unit.starts_with("ms") {
        value / 1e3
    } else if unit.starts_with("µs") {
        value / 1e6
    } else if unit.starts_with("ns") {
        value / 1e9
    } else {
        value
    }
}

/// The number after `key` on the first line that has it.
pub fn field(log: &str, key: &str) -> Option<f64> {
    let at = log.find(key)? + key.len();
    let number: String = log[at..].chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    number.parse().ok()
}

/// The log without its colour codes.
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
