//! Lenient recovery of a JSON object from model text (bare, fenced, or wrapped in prose).

use serde_json::Value;

use crate::error::LlmError;

/// Most `{` positions tried as the start of an embedded object.
const MAX_EMBEDDED_CANDIDATES: usize = 64;

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

fn parse_object(s: &str) -> Option<Value> {
    if !s.starts_with('{') {
        return None;
    }
    serde_json::from_str::<Value>(s)
        .ok()
        .filter(Value::is_object)
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
