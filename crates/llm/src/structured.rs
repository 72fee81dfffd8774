//! Prompt-side structured-output support for providers/modes without server-side schemas.

use crate::types::{Message, OutputSchema, Role};

/// The instruction appended to the system prompt in `JsonObject`/`PromptOnly` modes.
pub(crate) fn schema_instruction(schema: &OutputSchema) -> String {
    format!(
        "Respond with a single JSON object only, no prose and no code fences. \
         It must conform to this JSON Schema:\n{}",
        schema.schema
    )
}

/// Messages with `instruction` added to the last system message (or a new leading one):
/// several system messages confuse some chat templates.
pub(crate) fn with_instruction(messages: &[Message], instruction: &str) -> Vec<Message> {
    let mut out = messages.to_vec();
    match out.iter_mut().rev().find(|m| m.role == Role::System) {
        Some(sys) => {
            sys.content.push_str("\n\n");
            sys.content.push_str(instruction);
        }
        None => out.insert(0, Message::system(instruction)),
    }
    out
}
