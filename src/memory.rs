//! What the process holds in memory, for the stage logs (`-v`): the resident
//! set now and its peak so far, read from Linux's `/proc/self/status`
//! (`VmRSS`, `VmHWM`). Elsewhere there is nothing to report and the logs say so.

use std::fmt;

/// Resident and peak resident bytes of this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    /// Resident set now.
    pub resident: u64,
    /// Highest resident set so far.
    pub peak: u64,
}

/// The process's memory use now, if the system tells it.
pub fn usage() -> Option<Usage> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_status(&status)
}

/// `VmRSS` and `VmHWM` (in kB) of a `/proc/<pid>/status` text, in bytes.
fn parse_status(status: &str) -> Option<Usage> {
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find_map(|l| l.strip_prefix(name))?;
        let kb: u64 = line.trim().strip_suffix("kB")?.trim().parse().ok()?;
        Some(kb * 1024)
    };
    Some(Usage { resident: field("VmRSS:")?, peak: field("VmHWM:")? })
}

/// `1.23 GiB resident, peak 2.34 GiB`, or `unknown` where it cannot be read.
pub struct Report(pub Option<Usage>);

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let gib = |b: u64| b as f64 / f64::from(1u32 << 30);
        match self.0 {
            Some(u) => write!(f, "{:.2} GiB resident, peak {:.2} GiB", gib(u.resident), gib(u.peak)),
            None => f.write_str("unknown"),
        }
    }
}

/// [`Report`] of the memory use now.
pub fn now() -> Report {
    Report(usage())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_resident_and_peak_lines() {
        let status = "Name:\tscoreset\nVmPeak:\t  900 kB\nVmHWM:\t    2048 kB\nVmRSS:\t    1024 kB\n";
        assert_eq!(parse_status(status), Some(Usage { resident: 1024 * 1024, peak: 2048 * 1024 }));
        assert_eq!(parse_status("VmRSS:\t1 kB\n"), None);
        assert_eq!(Report(parse_status(status)).to_string(), "0.00 GiB resident, peak 0.00 GiB");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_has_a_resident_set() {
        let u = usage().unwrap();
        assert!(u.resident > 0 && u.peak >= u.resident);
    }
}
