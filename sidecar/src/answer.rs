//! Reading a model's answer: the SQL (leniently recovered from JSON, fences or prose), and the summary and chart
//! spec, which are untrusted text: bounded, stripped of control characters, and a malformed chart dropped.

use contracts::{ChartSpec, ChartSpecKind, SqlIssue};
use serde_json::Value;

use crate::prompts::clip;

/// Longest summary kept, in characters.
pub const MAX_SUMMARY_CHARS: usize = 1_000;
/// Longest chart column name kept; longer means the spec is not about a real result column.
pub const MAX_CHART_NAME_CHARS: usize = 256;
/// The rule id of an answer from which no SQL could be read (see `RepairNotice`).
pub const BAD_OUTPUT: &str = "bad_output";

/// Longest chart kind quoted back in a note.
const MAX_KIND_CHARS: usize = 32;

/// What a model answer said, before validation.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub sql: String,
    pub summary: String,
    pub chart: Option<ChartSpec>,
    /// What was dropped from the answer and why (a chart spec that cannot be drawn).
    pub notes: Vec<String>,
}

/// Reads one answer; the error is the issue to feed back when there is no SQL in it.
pub fn read_answer(text: &str) -> Result<Answer, SqlIssue> {
    let json = llm::extract_json(text).ok().map(|found| found.value);
    // The summary and chart sit beside `sql`, in a wrapping object too (`{"answer": {"sql": ...}}`).
    let object = json
        .as_ref()
        .map(|j| llm::object_with_field(j, "sql").unwrap_or(j));
    let field = |name: &str| object.and_then(|j| j.get(name));
    // `extract_sql` reads the JSON `sql` field first, then fences and prose: a model that ignored the
    // requested format but wrote a query still gets it validated.
    let sql = llm::extract_sql(text).map_err(|_| bad_output(text, json.is_some()))?;
    let summary = field("summary")
        .and_then(Value::as_str)
        .map(|s| clip(&clean(s), MAX_SUMMARY_CHARS))
        .unwrap_or_default();
    let (chart, notes) = match field("chart").filter(|c| !c.is_null()).map(chart_spec) {
        None => (None, Vec::new()),
        Some(Ok(chart)) => (Some(chart), Vec::new()),
        Some(Err(why)) => (None, vec![why]),
    };
    Ok(Answer {
        sql,
        summary,
        chart,
        notes,
    })
}

/// The issue for an answer with no text at all (an empty `content`, only a tool call).
pub fn empty() -> SqlIssue {
    SqlIssue {
        rule: BAD_OUTPUT.into(),
        message: "the answer was empty; answer with one JSON object {\"sql\": ..., \"summary\": ..., \"chart\": ...}"
            .into(),
        location: None,
    }
}

fn bad_output(text: &str, had_json: bool) -> SqlIssue {
    let message = if text.trim().is_empty() {
        return empty();
    } else if let Some(reason) = llm::json_error(text) {
        // Said as such: the SQL scan would otherwise have quoted the JSON's own text back as a broken query.
        format!(
            "the answer is not valid JSON ({reason}): answer with one JSON object {{\"sql\": ..., \"summary\": \
             ..., \"chart\": ...}}, with every `\"` inside a string written as `\\\"`"
        )
    } else if had_json {
        "the JSON object has no usable `sql` field: put one SELECT statement in `sql`".to_owned()
    } else {
        "no SQL query found in the answer: answer with one JSON object {\"sql\": ..., \"summary\": ..., \
         \"chart\": ...} and nothing else"
            .to_owned()
    };
    SqlIssue {
        rule: BAD_OUTPUT.into(),
        message,
        location: None,
    }
}

/// The issue for an answer cut off at the token limit.
pub fn truncated() -> SqlIssue {
    SqlIssue {
        rule: BAD_OUTPUT.into(),
        message: "the answer was cut off at the output token limit: write a shorter query and a one-sentence \
                  summary"
            .into(),
        location: None,
    }
}

/// The issue for an answer cut off at the token limit before any text: not fed back (a repair cannot help), only
/// reported.
pub fn cut_off_empty() -> SqlIssue {
    SqlIssue {
        rule: BAD_OUTPUT.into(),
        message: "the answer was cut off at the output token limit before any text was written"
            .into(),
        location: None,
    }
}

/// A chart spec when the value has the expected shape, else the note saying why there is no chart (never an
/// error: the chart is optional).
fn chart_spec(value: &Value) -> Result<ChartSpec, String> {
    let unusable =
        || "the model's chart spec is not {kind, x, y} with column names: no chart".to_owned();
    let object = value.as_object().ok_or_else(unusable)?;
    let asked = object
        .get("kind")
        .and_then(Value::as_str)
        .ok_or_else(unusable)?;
    let kind = match asked.trim().to_ascii_lowercase().as_str() {
        "bar" => ChartSpecKind::Bar,
        "line" => ChartSpecKind::Line,
        "scatter" => ChartSpecKind::Scatter,
        "histogram" => ChartSpecKind::Histogram,
        _ => {
            return Err(format!(
                "the model asked for a {:?} chart; only bar, line, scatter and histogram charts are drawn: no chart",
                clip(&clean(asked), MAX_KIND_CHARS)
            ));
        }
    };
    let name = |v: &Value| -> Option<Option<String>> {
        match v {
            Value::Null => Some(None),
            Value::String(s) => {
                let s = s.trim();
                let ok = !s.is_empty()
                    && s.chars().count() <= MAX_CHART_NAME_CHARS
                    && !s.chars().any(char::is_control);
                ok.then(|| Some(s.to_owned()))
            }
            _ => None,
        }
    };
    let x = object
        .get("x")
        .and_then(name)
        .flatten()
        .ok_or_else(unusable)?;
    let y = name(object.get("y").unwrap_or(&Value::Null)).ok_or_else(unusable)?;
    match (kind, y) {
        (ChartSpecKind::Histogram, _) => Ok(ChartSpec { kind, x, y: None }),
        (_, Some(y)) => Ok(ChartSpec {
            kind,
            x,
            y: Some(y),
        }),
        // A bar, line or scatter chart needs both axes.
        (_, None) => Err(unusable()),
    }
}

/// Control characters out (newlines and tabs kept): the summary is shown to people.
fn clean(text: &str) -> String {
    text.trim()
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_answer_with_chart() {
        let text = r#"{"sql": "SELECT pclass, AVG(survived) AS rate FROM data GROUP BY pclass;", "summary": " Survival\u0007 by class ", "chart": {"kind": "Bar", "x": "pclass", "y": "rate"}}"#;
        let answer = read_answer(text).unwrap();
        assert_eq!(
            answer.sql,
            "SELECT pclass, AVG(survived) AS rate FROM data GROUP BY pclass"
        );
        assert_eq!(answer.summary, "Survival by class");
        assert!(answer.notes.is_empty());
        assert_eq!(
            answer.chart,
            Some(ChartSpec {
                kind: ChartSpecKind::Bar,
                x: "pclass".into(),
                y: Some("rate".into())
            })
        );
    }

    #[test]
    fn fenced_and_prose_answers() {
        let fenced = "Here it is:\n```sql\nSELECT COUNT(*) AS n FROM data\n```\nThis counts rows.";
        let answer = read_answer(fenced).unwrap();
        assert_eq!(answer.sql, "SELECT COUNT(*) AS n FROM data");
        assert_eq!((answer.summary.as_str(), answer.chart), ("", None));
        let wrapped = "Sure! {\"sql\": \"SELECT 1 AS one FROM data\", \"summary\": \"one\", \"chart\": null} Done.";
        assert_eq!(read_answer(wrapped).unwrap().summary, "one");
    }

    #[test]
    fn malformed_charts_are_dropped() {
        for chart in [
            json!({"kind": "pie", "x": "a", "y": "b"}),
            json!({"kind": "bar", "x": 3, "y": "b"}),
            json!({"kind": "bar", "x": "a"}),
            json!({"kind": "line", "x": "", "y": "b"}),
            json!({"kind": "bar", "x": "a".repeat(MAX_CHART_NAME_CHARS + 1), "y": "b"}),
            json!({"x": "a", "y": "b"}),
            json!("bar"),
            json!(["bar", "a", "b"]),
        ] {
            assert!(chart_spec(&chart).is_err(), "{chart}");
        }
        assert_eq!(
            chart_spec(&json!({"kind": "histogram", "x": "age", "y": "ignored"})),
            Ok(ChartSpec {
                kind: ChartSpecKind::Histogram,
                x: "age".into(),
                y: None
            })
        );
    }

    #[test]
    fn a_chart_that_is_not_drawn_leaves_a_note() {
        // Unknown columns got a note from the calculator; an unknown kind vanished without one.
        let text = r#"{"sql": "SELECT city FROM data", "summary": "s", "chart": {"kind": "pie", "x": "city", "y": "n"}}"#;
        let answer = read_answer(text).unwrap();
        assert_eq!(answer.chart, None);
        assert_eq!(answer.notes.len(), 1, "{:?}", answer.notes);
        assert!(
            answer.notes[0].contains("\"pie\" chart"),
            "{:?}",
            answer.notes
        );
        let no_chart = r#"{"sql": "SELECT city FROM data", "summary": "s", "chart": null}"#;
        assert!(read_answer(no_chart).unwrap().notes.is_empty());
    }

    #[test]
    fn almost_json_answers_are_read_and_broken_json_is_named() {
        let wrapped = r#"{"answer": {"sql": "SELECT city FROM data", "summary": "cities",}}"#;
        let answer = read_answer(wrapped).unwrap();
        assert_eq!(
            (answer.sql.as_str(), answer.summary.as_str()),
            ("SELECT city FROM data", "cities")
        );
        // The issue says the JSON is broken; it does not quote a query made of the JSON's own text.
        let broken = r#"{"sql": "SELECT "city" FROM data", "summary": "cities"}"#;
        let issue = read_answer(broken).unwrap_err();
        assert_eq!(issue.rule, BAD_OUTPUT);
        assert!(
            issue.message.starts_with("the answer is not valid JSON"),
            "{}",
            issue.message
        );
    }

    #[test]
    fn no_sql_is_a_bad_output_issue() {
        for text in ["", "I cannot help with that.", r#"{"summary": "no query"}"#] {
            let issue = read_answer(text).unwrap_err();
            assert_eq!(issue.rule, BAD_OUTPUT, "{text}");
        }
        let long = format!(
            r#"{{"sql": "SELECT 1 AS a FROM data", "summary": "{}"}}"#,
            "s".repeat(5000)
        );
        assert_eq!(
            read_answer(&long).unwrap().summary.chars().count(),
            MAX_SUMMARY_CHARS + 1
        );
    }
}
