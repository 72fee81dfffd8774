//! JSON bodies serde_json refuses with a message that points the client the wrong way: a value an enum field
//! cannot take, reported as a syntax error, and a body in UTF-16.

use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_path_to_error::{Path, Segment};

/// The 422 message for a well-formed body whose enum field holds a value of the wrong type (`{"op": null}`,
/// `{"op": 1}`), or `None` when `error` is not that.
///
/// serde_json's enums take only a string (or an object), and anything else is the *syntax* error "expected
/// value", pointing at a value that is plainly there. So a body that parses as JSON gets the message a wrong
/// type gets elsewhere: the field, what it holds and the names it accepts.
pub(crate) fn wrong_enum_value<T: DeserializeOwned>(
    bytes: &[u8],
    error: &serde_path_to_error::Error<serde_json::Error>,
) -> Option<String> {
    if !error.inner().to_string().starts_with("expected value") {
        return None;
    }
    let mut document: Value = serde_json::from_slice(bytes).ok()?;
    let path = error.path();
    let slot = value_at(&mut document, path)?;
    let found = unexpected(slot);
    // The accepted names are only in serde's "unknown variant" message: ask for it with a name no enum has.
    *slot = Value::String(String::new());
    let expected = match serde_path_to_error::deserialize::<_, T>(document) {
        Err(again) if again.path().to_string() == path.to_string() => again
            .inner()
            .to_string()
            .split_once("unknown variant ``, expected ")
            .map(|(_, names)| names.to_owned()),
        _ => None,
    };
    let expected = expected.unwrap_or_else(|| "the name of one of its values, as a string".into());
    let message = format!("invalid type: {found}, expected {expected}");
    Some(if path.iter().next().is_none() {
        message
    } else {
        format!("field `{path}`: {message}")
    })
}

/// The value `path` leads to in `document`.
fn value_at<'a>(mut value: &'a mut Value, path: &Path) -> Option<&'a mut Value> {
    for segment in path.iter() {
        value = match segment {
            Segment::Seq { index } => value.get_mut(*index)?,
            Segment::Map { key } => value.get_mut(key.as_str())?,
            Segment::Enum { .. } | Segment::Unknown => return None,
        };
    }
    Some(value)
}

/// A JSON value as serde's "invalid type" messages name it.
fn unexpected(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) if n.is_f64() => format!("floating point `{n}`"),
        Value::Number(n) => format!("integer `{n}`"),
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "sequence".into(),
        Value::Object(_) => "map".into(),
    }
}

/// The 400 message for a body in UTF-16 (told by its byte-order mark), which serde_json reads as bytes that
/// are no JSON at all.
pub(crate) fn utf16_body(bytes: &[u8]) -> Option<&'static str> {
    (bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF])).then_some(
        "the body is UTF-16 (it starts with a UTF-16 byte-order mark); send the JSON as UTF-8",
    )
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "lowercase")]
    #[allow(dead_code)] // only deserialised
    enum Op {
        Add,
        Divide,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        a: f64,
        ops: Vec<Op>,
    }

    fn message(json: &str) -> Option<String> {
        let mut deserializer = serde_json::Deserializer::from_str(json);
        let error = serde_path_to_error::deserialize::<_, Body>(&mut deserializer).unwrap_err();
        wrong_enum_value::<Body>(json.as_bytes(), &error)
    }

    #[test]
    fn a_wrong_type_for_an_enum_names_the_field_and_the_names() {
        assert_eq!(
            message(r#"{"a": 1, "ops": ["add", null]}"#).as_deref(),
            Some("field `ops[1]`: invalid type: null, expected `add` or `divide`")
        );
        assert_eq!(
            message(r#"{"ops": [2.5], "a": 1}"#).as_deref(),
            Some("field `ops[0]`: invalid type: floating point `2.5`, expected `add` or `divide`")
        );
        assert!(
            message(r#"{"a": 1, "ops": [true]}"#)
                .unwrap()
                .contains("boolean `true`")
        );
    }

    #[test]
    fn real_syntax_errors_are_left_alone() {
        assert_eq!(message(r#"{"a": 1, "ops": [nul]}"#), None);
        assert_eq!(message(r#"{"a": 1, "ops": ["#), None);
    }

    #[test]
    fn utf16_is_told_by_its_byte_order_mark() {
        assert!(utf16_body(&[0xFF, 0xFE, b'{', 0]).is_some());
        assert!(utf16_body(&[0xFE, 0xFF, 0, b'{']).is_some());
        assert!(utf16_body(b"{}").is_none());
    }
}
