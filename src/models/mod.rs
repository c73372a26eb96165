//! Models computed on top of the stages: artifact sentiment from the trust
//! scores, and the reputation models of DESIGN section 6.

pub mod credentials;
pub mod patches;
pub mod publishers;
pub mod sentiment;
