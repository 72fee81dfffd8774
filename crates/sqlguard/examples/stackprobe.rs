use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;
fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10000);
    let kind = std::env::args().nth(2).unwrap_or_default();
    let sql = match kind.as_str() {
        "paren" => format!("SELECT {}1{}", "(".repeat(n), ")".repeat(n)),
        "not" => format!("SELECT {}1", "NOT ".repeat(n)),
        "minus" => format!("SELECT {}1", "- ".repeat(n)),
        _ => format!("SELECT 1{}", "+1".repeat(n)),
    };
    let h = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let r = Parser::parse_sql(&GenericDialect {}, &sql);
            match &r {
                Ok(s) => {
                    let t = s[0].to_string();
                    println!("ok len {}", t.len());
                }
                Err(e) => println!("err {e}"),
            }
            drop(r);
        })
        .unwrap();
    println!("{:?}", h.join().is_ok());
}
