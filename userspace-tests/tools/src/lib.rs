//! Presentation logic of the usac tools: units, columns, sorting, JSON. Pure, host-tested.

pub mod format;
pub mod json;
pub mod table;
