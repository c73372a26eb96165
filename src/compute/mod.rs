//! Trust computation: EigenTrust power iteration, the distrust adjustment,
//! and EigenTrust over vouch graphs.
//!
//! Both kernels are written by hand rather than with a sparse-algebra crate's
//! product: they gather over the incoming edges of each peer in a fixed order
//! and reduce in fixed-size chunks, which makes every result bit-identical for
//! any thread count (see [`crate::numeric`]), and they fold the dangling-row
//! and pre-trust terms into the same pass over memory.

pub mod distrust;
pub mod eigentrust;
pub mod order;
pub mod vouching;

pub use distrust::{
    DistrustMode, DistrustParams, adjust, adjust_columns, discount_one_shot, discount_standing_weighted,
};
pub use eigentrust::{Convergence, EigenTrustParams, Local, PowerIteration, eigentrust, eigentrust_leaking};
pub use vouching::{Vouching, vouching};
