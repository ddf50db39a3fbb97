//! The JSON documents of the usac tools, one serde type each, used by the program that writes a
//! document and by every program that reads it. Each document starts with a `"schema"` field
//! naming its format and version (`"usac-memstat/2"`); reading a document of another schema, or
//! with a field missing or unknown, is an error.

pub mod bench;
pub mod demo;
pub mod memstat;

use serde::de::{Deserializer, Error as _};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::marker::PhantomData;

/// The documents of type `T` on the lines of `text` that start with `tag` (e.g.
/// `bench::TAG`); a tagged line that is not one is an error naming it.
pub fn tagged<T: serde::de::DeserializeOwned>(text: &str, tag: &str) -> Result<Vec<T>, String> {
    text.lines()
        .filter_map(|l| l.strip_prefix(tag))
        .map(|doc| serde_json::from_str(doc).map_err(|e| format!("{e}: {doc}")))
        .collect()
}

/// A document type and the schema name it is written with.
pub trait Versioned {
    /// `"name/version"`; a reader accepts exactly this.
    const SCHEMA: &'static str;
}

/// The `"schema"` field of a document of type `T`: written as `T::SCHEMA`, and read only if it
/// says `T::SCHEMA`.
pub struct Schema<T>(PhantomData<T>);

impl<T> Schema<T> {
    /// The field (it has no other value).
    pub const fn new() -> Self {
        Schema(PhantomData)
    }
}

impl<T> Default for Schema<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Clone for Schema<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Schema<T> {}

impl<T> PartialEq for Schema<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<T: Versioned> fmt::Debug for Schema<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", T::SCHEMA)
    }
}

impl<T: Versioned> Serialize for Schema<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(T::SCHEMA)
    }
}

impl<'de, T: Versioned> Deserialize<'de> for Schema<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        if name == T::SCHEMA {
            Ok(Schema::new())
        } else {
            Err(D::Error::custom(format!(
                "schema {name:?}, expected {:?}",
                T::SCHEMA
            )))
        }
    }
}
