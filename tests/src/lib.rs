//! Cross-service test helpers.
