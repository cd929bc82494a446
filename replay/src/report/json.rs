//! Serde helpers of the report's JSON: times and durations as seconds with µs precision,
//! display forms (family, segment, MAC), and [`WithEntries`], which merges a few computed
//! entries into a struct's own in key order.
//!
//! Every map of `vrrplab replay --json` and `vrrplab watch --json` lists its keys in
//! alphabetical order (the order the documented output and the snapshots show): structs
//! declare their fields in that order, and [`WithEntries`] keeps it when it adds entries.

use serde::ser::{Error, Impossible, Serialize, SerializeMap, SerializeStruct, Serializer};
use std::time::Duration;

/// ns since the epoch → Unix seconds with µs precision.
pub fn secs(ns: u64) -> f64 {
    ((ns + 500) / 1000) as f64 / 1e6
}

/// A signed difference in ns → seconds with µs precision.
pub fn signed_secs(ns: i64) -> f64 {
    let us = (ns as f64 / 1000.0).round();
    us / 1e6
}

/// Serialises a time (ns since the epoch) as Unix seconds.
pub fn time<S: Serializer>(ns: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(secs(*ns))
}

/// Serialises an optional time as Unix seconds or null.
pub fn time_opt<S: Serializer>(ns: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
    ns.map(secs).serialize(s)
}

/// Serialises a duration as seconds.
pub fn seconds<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(duration_secs(*d))
}

/// Serialises an optional duration as seconds or null.
pub fn seconds_opt<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    d.map(duration_secs).serialize(s)
}

/// Serialises a signed difference in ns as seconds.
pub fn signed_seconds<S: Serializer>(ns: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(signed_secs(*ns))
}

/// A duration in seconds with µs precision.
pub fn duration_secs(d: Duration) -> f64 {
    secs(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// Serialises anything by its `Display` form.
pub fn display<T: std::fmt::Display, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// Serialises an optional MAC address as `aa:bb:cc:dd:ee:ff` or null.
pub fn mac_opt<S: Serializer>(mac: &Option<[u8; 6]>, s: S) -> Result<S::Ok, S::Error> {
    mac.as_ref().map(mac_text).serialize(s)
}

/// `aa:bb:cc:dd:ee:ff`.
pub fn mac_text(mac: &[u8; 6]) -> String {
    mac.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// A struct serialised as a map with `entries` (in key order) merged among its own fields,
/// each written before the first field whose key sorts after it. The struct's fields must be
/// in key order themselves.
pub struct WithEntries<'a, T> {
    /// The struct.
    pub inner: &'a T,
    /// Extra string entries, sorted by key.
    pub entries: &'a [(&'static str, String)],
}

impl<T: Serialize> Serialize for WithEntries<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.inner.serialize(Merge {
            outer: s,
            entries: self.entries,
        })
    }
}

struct Merge<'a, S> {
    outer: S,
    entries: &'a [(&'static str, String)],
}

struct MergeStruct<'a, M> {
    map: M,
    entries: &'a [(&'static str, String)],
}

impl<M: SerializeMap> MergeStruct<'_, M> {
    fn flush_before(&mut self, key: Option<&str>) -> Result<(), M::Error> {
        while let Some(((k, v), rest)) = self.entries.split_first()
            && key.is_none_or(|key| *k < key)
        {
            self.map.serialize_entry(k, v)?;
            self.entries = rest;
        }
        Ok(())
    }
}

impl<M: SerializeMap> SerializeStruct for MergeStruct<'_, M> {
    type Ok = M::Ok;
    type Error = M::Error;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), M::Error> {
        self.flush_before(Some(key))?;
        self.map.serialize_entry(key, value)
    }

    fn end(mut self) -> Result<M::Ok, M::Error> {
        self.flush_before(None)?;
        self.map.end()
    }
}

fn not_a_struct<E: Error>() -> E {
    E::custom("WithEntries wraps a struct")
}

macro_rules! refuse {
    ($($name:ident($ty:ty)),* $(,)?) => {
        $(fn $name(self, _: $ty) -> Result<S::Ok, S::Error> {
            Err(not_a_struct())
        })*
    };
}

impl<'a, S: Serializer> Serializer for Merge<'a, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Impossible<S::Ok, S::Error>;
    type SerializeTuple = Impossible<S::Ok, S::Error>;
    type SerializeTupleStruct = Impossible<S::Ok, S::Error>;
    type SerializeTupleVariant = Impossible<S::Ok, S::Error>;
    type SerializeMap = Impossible<S::Ok, S::Error>;
    type SerializeStruct = MergeStruct<'a, S::SerializeMap>;
    type SerializeStructVariant = Impossible<S::Ok, S::Error>;

    refuse!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_unit_struct(&'static str),
    );

    fn serialize_none(self) -> Result<S::Ok, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<S::Ok, S::Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<S::Ok, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<S::Ok, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<S::Ok, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        Ok(MergeStruct {
            map: self.outer.serialize_map(Some(len + self.entries.len()))?,
            entries: self.entries,
        })
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        Err(not_a_struct())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    #[derive(Serialize)]
    struct Two {
        alpha: u8,
        zulu: u8,
    }

    #[test]
    fn merged_entries_land_in_key_order_among_the_fields() {
        let entries = [("mike", "m".to_string()), ("zz", "z".to_string())];
        let v = WithEntries {
            inner: &Two { alpha: 1, zulu: 2 },
            entries: &entries,
        };
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"alpha":1,"mike":"m","zulu":2,"zz":"z"}"#
        );
    }

    #[test]
    fn durations_and_times_are_seconds_with_microsecond_precision() {
        assert_eq!(secs(1_500_000_499), 1.5);
        assert_eq!(duration_secs(Duration::from_nanos(613_281_250)), 0.613281);
        assert_eq!(signed_secs(-4_271_400), -0.004271);
    }
}
