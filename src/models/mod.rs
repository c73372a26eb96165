//! Models computed from the trust scores: artifact sentiment (and, later,
//! the reputation models of DESIGN section 6).

pub mod sentiment;
