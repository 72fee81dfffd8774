//! Arithmetic on finite numbers: every operand and result is checked, so no endpoint ever answers NaN or ∞.

use contracts::Operation;

use crate::AppError;

fn finite(name: &str, value: f64) -> Result<f64, AppError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(AppError::InvalidInput(format!(
            "field `{name}`: must be a finite number, got {value}"
        )))
    }
}

/// Applies `op` to `a` and `b`, rejecting non-finite inputs, division by zero and overflowing results.
pub fn apply(op: Operation, a: f64, b: f64) -> Result<f64, AppError> {
    let (a, b) = (finite("a", a)?, finite("b", b)?);
    let (result, operation) = match op {
        Operation::Add => (a + b, "addition"),
        Operation::Subtract => (a - b, "subtraction"),
        Operation::Multiply => (a * b, "multiplication"),
        Operation::Divide if b == 0.0 => return Err(AppError::DivisionByZero),
        Operation::Divide => (a / b, "division"),
    };
    if result.is_finite() {
        Ok(result)
    } else {
        Err(AppError::NonFiniteResult { operation })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_operation_computes() {
        assert_eq!(apply(Operation::Add, 1.5, 2.0).ok(), Some(3.5));
        assert_eq!(apply(Operation::Subtract, 1.0, 3.0).ok(), Some(-2.0));
        assert_eq!(apply(Operation::Multiply, -2.0, 4.0).ok(), Some(-8.0));
        assert_eq!(apply(Operation::Divide, 1.0, 4.0).ok(), Some(0.25));
    }

    #[test]
    fn rejects_what_is_not_finite() {
        assert!(matches!(
            apply(Operation::Divide, 1.0, 0.0),
            Err(AppError::DivisionByZero)
        ));
        assert!(matches!(
            apply(Operation::Divide, 0.0, -0.0),
            Err(AppError::DivisionByZero)
        ));
        assert!(matches!(
            apply(Operation::Add, 1e308, 1e308),
            Err(AppError::NonFiniteResult { .. })
        ));
        assert!(matches!(
            apply(Operation::Multiply, 1e200, 1e200),
            Err(AppError::NonFiniteResult { .. })
        ));
        assert!(
            matches!(apply(Operation::Add, f64::NAN, 1.0), Err(AppError::InvalidInput(m)) if m.contains("`a`"))
        );
        assert!(
            matches!(apply(Operation::Add, 1.0, f64::INFINITY), Err(AppError::InvalidInput(m)) if m.contains("`b`"))
        );
    }
}
