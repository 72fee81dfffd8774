//! Lenient recovery of a JSON object from model text (bare, fenced, or wrapped in prose).

use serde_json::Value;

use crate::error::LlmError;
use crate::lenient;

/// Most `{` positions tried as the start of an embedded object.
const MAX_EMBEDDED_CANDIDATES: usize = 64;
/// Deepest nesting searched for the object that holds a field.
const MAX_FIELD_DEPTH: usize = 4;

/// How the JSON object was found; useful to monitor how well a model follows instructions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extraction {
    /// The whole text is the object.
    Direct,
    /// Inside a Markdown ``` / ```json fence.
    Fenced,
    /// The first parseable balanced `{...}` inside other text.
    Embedded,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExtractedJson {
    pub value: Value,
    pub extraction: Extraction,
}

/// Finds the JSON object in model output: plain JSON, JSON in a fence, or JSON with prose around.
pub fn extract_json(text: &str) -> Result<ExtractedJson, LlmError> {
    let t = text.trim_start_matches('\u{feff}').trim();
    let found = |value, extraction| Ok(ExtractedJson { value, extraction });
    if let Some(v) = parse_object(t) {
        return found(v, Extraction::Direct);
    }
    for fence in fenced_blocks(t) {
        if let Some(v) = parse_object(fence.body.trim()) {
            return found(v, Extraction::Fenced);
        }
    }
    // Each candidate is scanned to its balanced end, so bound the candidates: adversarial text full of `{`
    // would otherwise cost quadratic time.
    for (start, _) in t.match_indices('{').take(MAX_EMBEDDED_CANDIDATES) {
        if let Some(v) = balanced_end(t, start).and_then(|end| parse_object(&t[start..end])) {
            return found(v, Extraction::Embedded);
        }
    }
    Err(LlmError::BadOutput(if t.is_empty() {
        "empty model output: expected a JSON object".to_string()
    } else {
        format!(
            "no JSON object found in model output ({} chars, starts with {:?})",
            t.len(),
            t.chars().take(80).collect::<String>()
        )
    }))
}

/// The object `s` holds, read strictly, else after the lenient pre-pass (trailing commas, comments).
fn parse_object(s: &str) -> Option<Value> {
    if !s.starts_with('{') {
        return None;
    }
    serde_json::from_str::<Value>(s)
        .or_else(|_| serde_json::from_str::<Value>(&lenient::relax(s)))
        .ok()
        .filter(Value::is_object)
}

/// The object in `value` that has a string `field`: `value` itself, else the first nested one, breadth first.
/// Models wrap their answer (`{"answer": {"sql": ...}}`, `{"result": [{"sql": ...}]}`).
pub fn object_with_field<'a>(value: &'a Value, field: &str) -> Option<&'a Value> {
    let mut level = vec![value];
    for _ in 0..=MAX_FIELD_DEPTH {
        if let Some(found) = level
            .iter()
            .find(|v| v.get(field).is_some_and(Value::is_string))
        {
            return Some(found);
        }
        level = level
            .into_iter()
            .flat_map(|v| match v {
                Value::Object(map) => map.values().collect::<Vec<_>>(),
                Value::Array(items) => items.iter().collect(),
                _ => Vec::new(),
            })
            .filter(|v| v.is_object() || v.is_array())
            .collect();
    }
    None
}

/// Why the JSON object in `text` cannot be read, when the text holds one meant as the answer (it opens with
/// `{`, bare or in its first fence, or it has an `"sql":` key) that even the lenient reading rejects: the
/// parser's complaint. `None` when an object reads, or when the text is not JSON at all (prose, bare SQL).
///
/// Callers use it not to read such text as prose: a scan for SQL in it would take the JSON's own quotes and
/// fields for part of the query.
pub fn json_error(text: &str) -> Option<String> {
    if extract_json(text).is_ok() {
        return None;
    }
    let t = text.trim_start_matches('\u{feff}').trim();
    let candidate = if t.starts_with('{') {
        t
    } else if let Some(fence) = fenced_blocks(t)
        .into_iter()
        .map(|f| f.body.trim())
        .find(|body| body.starts_with('{'))
    {
        fence
    } else {
        let key = sql_key(t)?;
        let start = t[..key].rfind('{')?;
        &t[start..balanced_end(t, start).unwrap_or(t.len())]
    };
    serde_json::from_str::<Value>(&lenient::relax(candidate))
        .err()
        .map(|e| e.to_string())
}

/// Byte offset of an `"sql"` key (any case) followed by `:`.
fn sql_key(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    lower
        .match_indices("\"sql\"")
        .map(|(i, _)| i)
        .find(|&i| lower[i + 5..].trim_start().starts_with(':'))
}

/// Byte index just past the `}` closing the object that opens at `start`, honouring strings.
fn balanced_end(text: &str, start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text[start..].char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' => depth += 1,
            '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(start + i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// One Markdown code fence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fence<'a> {
    /// Info string, lower-cased by callers when compared (`json`, `sql`, or empty).
    pub lang: &'a str,
    pub body: &'a str,
}

/// All ``` fences in order. An unclosed last fence runs to the end of the text, because
/// truncated or sloppy output often forgets the closing fence.
pub(crate) fn fenced_blocks(text: &str) -> Vec<Fence<'_>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(open) = text[pos..].find("```") {
        let after_start = pos + open + 3;
        let after = &text[after_start..];
        // The info string is the rest of the opening line if it is a single word (`sql`,
        // `json`); otherwise the fence is inline (```SELECT 1```) and the body starts at once.
        let line_end = after.find('\n').unwrap_or(after.len());
        let info = after[..line_end].trim();
        let is_lang = !info.contains("```")
            && info
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '.'));
        let (lang, body_start) = if is_lang {
            (info, (after_start + line_end + 1).min(text.len()))
        } else {
            ("", after_start)
        };
        let (body, next) = match text[body_start..].find("```") {
            Some(close) => (
                &text[body_start..body_start + close],
                body_start + close + 3,
            ),
            None => (&text[body_start..], text.len()),
        };
        out.push(Fence { lang, body });
        pos = next;
        if pos >= text.len() {
            break;
        }
    }
    out
}
