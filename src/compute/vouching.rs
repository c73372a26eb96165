//! EigenTrust over vouches (publisher → publisher, author → author): who the
//! vouched-for are, seen from a set of pre-trusted ids.

use super::{EigenTrustParams, eigentrust};
use crate::error::{Error, Result};
use crate::graph;
use crate::ingest::Edge;
use crate::ingest::records::Vouch;
use std::collections::BTreeMap;

/// The vouch graph's scores.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vouching {
    /// EigenTrust score by id (empty without vouches).
    pub trust: BTreeMap<String, f64>,
    /// Distinct vouches in force.
    pub vouches: u64,
    /// Iterations to convergence.
    pub iterations: u32,
}

/// EigenTrust over the vouches in force at `as_of_ms` (the latest vouch of
/// each pair counts; at one instant the stronger), over `ids` and every
/// vouch endpoint, pre-trusting `pretrusted` (uniform if none).
pub fn vouching(
    ids: &[&str],
    vouches: &[Vouch],
    pretrusted: &[&str],
    params: &EigenTrustParams,
    as_of_ms: i64,
) -> Result<Vouching> {
    let mut latest: BTreeMap<(&str, &str), (i64, f64)> = BTreeMap::new();
    for v in vouches.iter().filter(|v| v.at_ms <= as_of_ms) {
        let entry = latest.entry((&v.voucher, &v.vouchee)).or_insert((v.at_ms, v.weight));
        if v.at_ms > entry.0 || (v.at_ms == entry.0 && v.weight > entry.1) {
            *entry = (v.at_ms, v.weight);
        }
    }
    if latest.is_empty() {
        return Ok(Vouching::default());
    }
    let mut all: Vec<&str> = ids.to_vec();
    all.extend(latest.keys().flat_map(|&(a, b)| [a, b]));
    all.sort_unstable();
    all.dedup();
    let index = |id: &str| {
        let k = all.binary_search(&id).map_err(|_| Error::Internal(format!("vouching: {id:?} was not interned")))?;
        u32::try_from(k).map_err(|_| Error::Internal("vouching: more than 2^32 peers".into()))
    };
    let edges = latest
        .iter()
        .map(|(&(a, b), &(_, w))| Ok(Edge { truster: index(a)?, trustee: index(b)?, value: w }))
        .collect::<Result<Vec<_>>>()?;
    let pretrust = pretrusted
        .iter()
        .filter(|p| all.binary_search(p).is_ok())
        .map(|p| Ok((index(p)?, 1.0)))
        .collect::<Result<Vec<(u32, f64)>>>()?;
    let g = graph::build(all.iter().map(|s| (*s).to_owned()).collect(), edges, &pretrust);
    let (scores, convergence) = eigentrust(&g.trust, &g.dangling, &g.pretrust, params, |_, _| {})?;
    Ok(Vouching {
        trust: g.peers.into_iter().zip(scores).collect(),
        vouches: latest.len() as u64,
        iterations: convergence.iterations,
    })
}
