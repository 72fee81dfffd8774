//! The refusal of a JSON body that is not an object where the handler reads a struct: serde's derived structs
//! also take an array of their fields in declaration order, so `POST /add` with `[1, 2]` added 1 and 2.

use std::cell::Cell;

use serde::{
    Deserializer,
    de::{DeserializeOwned, Visitor, value::Error},
};

/// The message refusing `bytes` (a body past its byte-order mark) when `T` is read from a JSON object and the
/// body is well-formed JSON of another kind; `None` otherwise. Only a body that does not start with `{` is
/// looked at, so the common request costs a byte comparison.
pub(crate) fn not_an_object<T: DeserializeOwned>(bytes: &[u8]) -> Option<String> {
    let first = *bytes.trim_ascii_start().first()?;
    if first == b'{' {
        return None;
    }
    let shape = expected_shape::<T>()?;
    // A body that is no JSON at all keeps its syntax error (400 `malformed_json`).
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes).ok()?;
    let found = match first {
        b'[' => "an array",
        b'"' => "a string",
        b't' | b'f' => "a boolean",
        b'n' => "null",
        _ => "a number",
    };
    Some(match shape {
        Shape::Struct(fields) if !fields.is_empty() => {
            let fields: Vec<String> = fields.iter().map(|f| format!("`{f}`")).collect();
            format!(
                "the body must be a JSON object with the fields {}, not {found}",
                fields.join(", ")
            )
        }
        _ => format!("the body must be a JSON object, not {found}"),
    })
}

/// What `T` asks its deserializer for.
enum Shape {
    /// A struct with these fields (a derived struct names them).
    Struct(&'static [&'static str]),
    /// A map (a struct with a flattened field is read as one).
    Map,
}

/// Whether `T` is read from a JSON object, found by asking it to deserialize itself from a deserializer that
/// only records which kind of value was requested. `None` for any other type (`serde_json::Value` takes every
/// JSON value, an enum takes a string).
fn expected_shape<T: DeserializeOwned>() -> Option<Shape> {
    let seen = Cell::new(None);
    let _ = T::deserialize(Probe { seen: &seen });
    seen.into_inner()
}

struct Probe<'a> {
    seen: &'a Cell<Option<Shape>>,
}

impl<'de> Deserializer<'de> for Probe<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Error> {
        Err(serde::de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Error> {
        self.seen.set(Some(Shape::Struct(fields)));
        Err(serde::de::Error::custom("probed"))
    }

    fn deserialize_map<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Error> {
        self.seen.set(Some(Shape::Map));
        Err(serde::de::Error::custom("probed"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::not_an_object;

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Operands {
        a: f64,
        b: f64,
    }

    #[derive(Deserialize)]
    #[serde(transparent)]
    #[allow(dead_code)]
    struct Wrapped(Operands);

    #[test]
    fn a_struct_refuses_every_other_json_value_naming_its_fields() {
        for (body, found) in [
            ("[1, 2]", "an array"),
            (" \"x\"", "a string"),
            ("3", "a number"),
            ("-3", "a number"),
            ("true", "a boolean"),
            ("null", "null"),
        ] {
            assert_eq!(
                not_an_object::<Operands>(body.as_bytes()).as_deref(),
                Some(
                    format!("the body must be a JSON object with the fields `a`, `b`, not {found}")
                        .as_str()
                ),
                "{body}"
            );
            assert!(
                not_an_object::<Wrapped>(body.as_bytes()).is_some(),
                "{body}"
            );
        }
        assert_eq!(
            not_an_object::<BTreeMap<String, f64>>(b"[1]").as_deref(),
            Some("the body must be a JSON object, not an array")
        );
    }

    #[test]
    fn objects_other_types_and_malformed_bodies_are_left_alone() {
        assert_eq!(not_an_object::<Operands>(br#"{"a": 1, "b": 2}"#), None);
        assert_eq!(not_an_object::<Operands>(b"[1, 2"), None);
        assert_eq!(not_an_object::<Operands>(b""), None);
        assert_eq!(not_an_object::<serde_json::Value>(b"[1, 2]"), None);
        assert_eq!(not_an_object::<Vec<f64>>(b"[1, 2]"), None);
        assert_eq!(not_an_object::<String>(b"\"x\""), None);
    }
}
