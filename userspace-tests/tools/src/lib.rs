//! Presentation logic of the usac tools (units, columns, sorting, JSON; pure, host-tested) and
//! their command lines.

pub mod cli;
pub mod format;
pub mod json;
pub mod table;
