//! Arithmetic requests and results.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Two operands, as a JSON body (`POST /add`) or query parameters (`GET /add?a=1&b=2`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BinaryOperands {
    /// Left operand; a finite number.
    #[schema(example = 1.5)]
    pub a: f64,
    /// Right operand; a finite number.
    #[schema(example = 2)]
    pub b: f64,
}

/// An arithmetic operation for `POST /calculate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    Add,
    Subtract,
    Multiply,
    Divide,
}

/// `{"op", "a", "b"}` for `POST /calculate`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalculateRequest {
    /// `add`, `subtract`, `multiply` or `divide`.
    pub op: Operation,
    /// Left operand; a finite number.
    #[schema(example = 6)]
    pub a: f64,
    /// Right operand; a finite number (not zero for `divide`).
    #[schema(example = 3)]
    pub b: f64,
}

/// The result of an arithmetic operation: always a finite number.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NumberResult {
    #[schema(example = 3.5)]
    pub result: f64,
}
