//! A sparse matrix stored by column: for each peer j, the peers i with an
//! entry (i, j) and its weight — the "incoming edges" the kernels gather over.

use sprs::CsMatI;

/// Compressed columns, borrowed: the entries of column j are
/// `indptr[j]..indptr[j + 1]` of `sources` and `weights`, in whatever order
/// their owner keeps them (an [`Incoming`]'s are sorted by source; a renamed
/// copy's keep the order of the peers' own numbers, `compute::order`).
#[derive(Debug, Clone, Copy)]
pub struct Columns<'a> {
    /// Column pointers.
    pub indptr: &'a [usize],
    /// The source peer of each entry.
    pub sources: &'a [u32],
    /// The weight of each entry.
    pub weights: &'a [f64],
}

/// Sparse n×n matrix in compressed-column form (u32 indices, f64 values),
/// inner indices sorted within each column.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    matrix: CsMatI<f64, u32, usize>,
}

impl Incoming {
    /// Converts compressed rows (columns sorted and distinct within each row).
    pub fn from_csr(n: usize, indptr: Vec<usize>, cols: Vec<u32>, vals: Vec<f64>) -> Self {
        let csr = CsMatI::try_new((n, n), indptr, cols, vals)
            .map_err(|(_, _, _, e)| e)
            .expect("rows built in sorted order form a valid CSR matrix");
        Incoming { matrix: csr.to_other_storage() }
    }

    /// Wraps compressed columns (rows sorted and distinct within each column), checked by sprs.
    pub fn from_csc(n: usize, colptr: Vec<usize>, rows: Vec<u32>, vals: Vec<f64>) -> Self {
        let matrix = CsMatI::try_new_csc((n, n), colptr, rows, vals)
            .map_err(|(_, _, _, e)| e)
            .expect("columns built in row order form a valid CSC matrix");
        Incoming { matrix }
    }

    /// Wraps `colptr.len() - 1` compressed columns of a matrix of `rows`
    /// rows, as another process sent them: every structural property
    /// (pointers, row bounds, rows sorted and distinct within each column)
    /// is checked, and a violation is an error naming it.
    pub fn from_columns(rows: usize, colptr: Vec<usize>, sources: Vec<u32>, weights: Vec<f64>) -> Result<Self, String> {
        let columns = colptr.len().checked_sub(1).ok_or("have no column pointers")?;
        CsMatI::try_new_csc((rows, columns), colptr, sources, weights)
            .map(|matrix| Incoming { matrix })
            .map_err(|(_, _, _, e)| format!("do not form a matrix: {e}"))
    }

    /// Number of rows (peers), whatever the number of columns held.
    pub fn rows(&self) -> usize {
        self.matrix.rows()
    }

    /// Builds from rows of `(column, value)` (any order within a row, distinct
    /// columns); convenient for tests and small hand-made matrices.
    pub fn from_rows(n: usize, rows: &[Vec<(u32, f64)>]) -> Self {
        let mut indptr = vec![0];
        let (mut cols, mut vals) = (Vec::new(), Vec::new());
        for row in rows {
            let mut row = row.clone();
            row.sort_by_key(|&(j, _)| j);
            for (j, v) in row {
                cols.push(j);
                vals.push(v);
            }
            indptr.push(cols.len());
        }
        indptr.resize(n + 1, cols.len());
        Self::from_csr(n, indptr, cols, vals)
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.matrix.nnz()
    }

    /// Column pointers: the entries of column j are `indptr[j]..indptr[j+1]`.
    pub fn indptr(&self) -> &[usize] {
        self.matrix.indptr().into_raw_storage()
    }

    /// Row index (the source peer) of each entry.
    pub fn sources(&self) -> &[u32] {
        self.matrix.indices()
    }

    /// The compressed columns, borrowed: what the kernel reads.
    pub fn view(&self) -> Columns<'_> {
        Columns { indptr: self.indptr(), sources: self.sources(), weights: self.weights() }
    }

    /// Value of each entry.
    pub fn weights(&self) -> &[f64] {
        self.matrix.data()
    }

    /// The incoming entries `(source, weight)` of peer `j`.
    pub fn incoming_of(&self, j: usize) -> Vec<(u32, f64)> {
        let (sources, weights) = self.column(j);
        sources.iter().copied().zip(weights.iter().copied()).collect()
    }

    /// The incoming entries of peer `j` in source order: their sources and
    /// their weights, borrowed.
    pub fn column(&self, j: usize) -> (&[u32], &[f64]) {
        let r = self.indptr()[j]..self.indptr()[j + 1];
        (&self.sources()[r.clone()], &self.weights()[r])
    }

    /// Whether peer `j` has an incoming entry of positive weight from a
    /// source that `flagged` marks.
    pub fn has_positive_from(&self, j: usize, flagged: &[bool]) -> bool {
        let (sources, weights) = self.column(j);
        sources.iter().zip(weights).any(|(&i, &w)| w > 0.0 && flagged[i as usize])
    }

    /// Columns `range` (the incoming edges of those peers) as an n × `range.len()`
    /// matrix, its column k being column `range.start + k`: the part of C a
    /// cluster worker holds.
    pub fn columns(&self, range: std::ops::Range<usize>) -> Incoming {
        let indptr = self.indptr();
        let (first, last) = (indptr[range.start], indptr[range.end]);
        let colptr = indptr[range.start..=range.end].iter().map(|&k| k - first).collect();
        let matrix = CsMatI::try_new_csc(
            (self.matrix.rows(), range.len()),
            colptr,
            self.sources()[first..last].to_vec(),
            self.weights()[first..last].to_vec(),
        )
        .map_err(|(_, _, _, e)| e)
        .expect("a range of a valid matrix's columns is a valid CSC matrix");
        Incoming { matrix }
    }

    /// The underlying sprs matrix (compressed-column storage of C).
    pub fn matrix(&self) -> &CsMatI<f64, u32, usize> {
        &self.matrix
    }
}
