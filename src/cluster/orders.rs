//! What process 0 sends the other processes, and what they send back.
//!
//! Process 0 reads the inputs whole (with the others' shares of the edge
//! lists), builds the graph and writes the epoch; the others hold only the
//! columns they own. For each power iteration process 0 hands every process
//! the columns of C its workers own — the incoming edges of its trustees —
//! and the vectors every worker reads (pre-trust, the dangling and leaking
//! rows); for the distrust adjustment, the same columns of D and T⁺, and
//! each process sends back T on its columns. An [`Order`] is one message,
//! encoded with bincode; matrices travel as their compressed columns.

use crate::compute::{DistrustMode, EigenTrustParams};
use crate::error::{Error, Result};
use crate::graph::Incoming;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// Columns `first ..` of an n-row matrix, as sent (borrowed from process 0's graph).
#[derive(Serialize)]
pub(super) struct ColumnsOut<'a> {
    rows: u64,
    first: u64,
    colptr: Vec<u64>,
    sources: &'a [u32],
    weights: &'a [f64],
}

impl<'a> ColumnsOut<'a> {
    /// Columns `range` of `m`, rebased to start at entry 0.
    pub(super) fn of(m: &'a Incoming, range: Range<usize>) -> Self {
        let indptr = m.indptr();
        let (from, to) = (indptr[range.start], indptr[range.end]);
        ColumnsOut {
            rows: m.rows() as u64,
            first: range.start as u64,
            colptr: indptr[range.start..=range.end].iter().map(|&k| (k - from) as u64).collect(),
            sources: &m.sources()[from..to],
            weights: &m.weights()[from..to],
        }
    }
}

/// [`ColumnsOut`] as received.
#[derive(Deserialize)]
pub(super) struct ColumnsIn {
    rows: u64,
    first: u64,
    colptr: Vec<u64>,
    sources: Vec<u32>,
    weights: Vec<f64>,
}

impl ColumnsIn {
    /// The first column's number, and the columns as a matrix (checked: a
    /// malformed message is an error, not a panic).
    pub(super) fn into_matrix(self) -> Result<(usize, Incoming)> {
        let bad =
            |what: String| Error::Cluster { message: format!("process 0 sent columns that {what}"), source: None };
        let rows = usize::try_from(self.rows).map_err(|_| bad(format!("have {} rows", self.rows)))?;
        let first = usize::try_from(self.first).map_err(|_| bad(format!("start at {}", self.first)))?;
        let colptr: Vec<usize> = self.colptr.iter().map(|&k| usize::try_from(k).unwrap_or(usize::MAX)).collect();
        let matrix = Incoming::from_columns(rows, colptr, self.sources, self.weights).map_err(bad)?;
        Ok((first, matrix))
    }
}

/// An order, as process 0 writes it.
#[derive(Serialize)]
pub(super) enum OrderOut<'a> {
    /// Run the power iteration with these columns of C.
    Iterate {
        columns: ColumnsOut<'a>,
        dangling: &'a [u32],
        leak: &'a [(u32, f64)],
        p: &'a [f64],
        alpha: f64,
        epsilon: Option<f64>,
        max_iterations: u32,
    },
    /// Compute T on these columns of D and send it back.
    Adjust { mode: &'a str, bar: f64, columns: ColumnsOut<'a>, t_positive: &'a [f64] },
    /// The run is over.
    Finish,
}

/// An order, as the other processes read it (the same fields, owned).
#[derive(Deserialize)]
pub(super) enum Order {
    /// See [`OrderOut::Iterate`].
    Iterate {
        columns: ColumnsIn,
        dangling: Vec<u32>,
        leak: Vec<(u32, f64)>,
        p: Vec<f64>,
        alpha: f64,
        epsilon: Option<f64>,
        max_iterations: u32,
    },
    /// See [`OrderOut::Adjust`].
    Adjust { mode: String, bar: f64, columns: ColumnsIn, t_positive: Vec<f64> },
    /// See [`OrderOut::Finish`].
    Finish,
}

/// The iteration's parameters as an order carries them.
pub(super) fn params_out(params: &EigenTrustParams) -> (f64, Option<f64>, u32) {
    (params.alpha.0, params.epsilon.map(|e| e.0), params.max_iterations.get())
}

/// The iteration's parameters from an order, checked as the pipeline file's are.
pub(super) fn params_in(alpha: f64, epsilon: Option<f64>, max_iterations: u32) -> Result<EigenTrustParams> {
    use crate::compute::eigentrust::{PositiveFinite, UnitInterval};
    let bad = |message: String| Error::Cluster { message: format!("process 0 sent {message}"), source: None };
    Ok(EigenTrustParams {
        alpha: UnitInterval::try_from(alpha).map_err(|e| bad(format!("alpha {e}")))?,
        epsilon: epsilon.map(PositiveFinite::try_from).transpose().map_err(|e| bad(format!("epsilon {e}")))?,
        max_iterations: std::num::NonZeroU32::new(max_iterations).ok_or_else(|| bad("0 iterations".to_owned()))?,
        ..EigenTrustParams::default()
    })
}

/// The distrust mode named by its identifier.
pub(super) fn mode_in(id: &str) -> Result<DistrustMode> {
    [DistrustMode::None, DistrustMode::OneShot, DistrustMode::StandingWeighted]
        .into_iter()
        .find(|m| m.id() == id)
        .ok_or_else(|| Error::Cluster {
            message: format!("process 0 sent an unknown distrust mode {id:?}"),
            source: None,
        })
}

/// Encodes a message.
pub(super) fn encode<T: Serialize>(message: &T) -> Result<Vec<u8>> {
    bincode::serialize(message).map_err(|e| Error::Internal(format!("cannot encode a cluster message: {e}")))
}

/// Decodes a message that arrived in `parts` from `from` (named in the error).
pub(super) fn decode<T: serde::de::DeserializeOwned>(parts: Vec<Vec<u8>>, from: &str) -> Result<T> {
    let reader = std::io::BufReader::with_capacity(1 << 16, crate::ingest::Parts::new(parts));
    bincode::deserialize_from(reader).map_err(|e| Error::Cluster {
        message: format!("{from} sent a message that cannot be read: {e}"),
        source: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_travel_exactly_and_malformed_ones_are_refused() {
        let m = Incoming::from_rows(
            4,
            &[vec![(1, 0.25), (2, 0.75)], vec![(0, 1.0)], vec![(1, 1.0 / 3.0), (3, 2.0 / 3.0)], vec![(2, 1.0)]],
        );
        for range in [0..4, 1..3, 2..2, 3..4] {
            let bytes = encode(&ColumnsOut::of(&m, range.clone())).unwrap();
            let (first, got) = decode::<ColumnsIn>(vec![bytes], "p").unwrap().into_matrix().unwrap();
            assert_eq!((first, got), (range.start, m.columns(range.clone())), "{range:?}");
        }
        // A row number past the matrix's rows.
        let mut wrong = ColumnsOut::of(&m, 0..4);
        let sources: Vec<u32> = wrong.sources.iter().map(|&r| r + 4).collect();
        wrong.sources = &sources;
        let bytes = encode(&wrong).unwrap();
        let error = decode::<ColumnsIn>(vec![bytes], "p").unwrap().into_matrix().unwrap_err().to_string();
        assert!(error.contains("process 0 sent columns that"), "{error}");
        // Truncated.
        let bytes = encode(&ColumnsOut::of(&m, 0..4)).unwrap();
        let error = decode::<ColumnsIn>(vec![bytes[..bytes.len() - 3].to_vec()], "process 0").err().unwrap();
        assert!(error.to_string().contains("process 0 sent a message that cannot be read"), "{error}");
    }

    #[test]
    fn parameters_and_modes_round_trip_and_bad_ones_are_refused() {
        let params = EigenTrustParams::default();
        let (a, e, m) = params_out(&params);
        assert_eq!(params_in(a, e, m).unwrap(), params);
        assert!(params_in(1.5, None, 10).is_err());
        assert!(params_in(0.5, Some(-1.0), 10).is_err());
        assert!(params_in(0.5, None, 0).is_err());
        for mode in [DistrustMode::None, DistrustMode::OneShot, DistrustMode::StandingWeighted] {
            assert_eq!(mode_in(mode.id()).unwrap(), mode);
        }
        assert!(mode_in("both").is_err());
    }
}
