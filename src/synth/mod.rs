//! Seeded synthetic inputs for benchmarks and the project's generated
//! samples: the same seed gives the same bytes.

pub mod attacks;
pub mod credentials;
pub mod patches;
pub mod reputation;
pub mod rmat;
pub mod snaps;

pub use rmat::rmat_edges;
