//! The usac tools' logic: command lines, units, columns, sorting, JSON documents, output to a
//! pipe. Pure but for stdout, host-tested.

pub mod cli;
pub mod format;
pub mod json;
pub mod output;
pub mod table;
