//! The join rewrites' normalised SQL, without a worker: NULL keys kept out of joins on four or more keys,
//! the coalesced key of RIGHT/FULL JOIN ... USING; each normalises to itself (checked by `ok`). What the
//! rewritten queries answer is checked against sqlite3 in crates/engine/tests/join_keys.rs.

mod common;

use common::{ok, rejected_with};

#[test]
fn null_keys_of_four_key_joins_are_filtered_out_of_one_side() {
    // Inner: in WHERE.
    let q = ok("SELECT x.id FROM data x JOIN data y USING (id, name, Age, country)");
    assert!(
        q.sql()
            .contains(r#"WHERE "id" IS NOT NULL AND "name" IS NOT NULL"#),
        "{}",
        q.sql()
    );
    // LEFT: the joined table, under its alias; a computed key is filtered as written.
    let q = ok(
        "SELECT x.id FROM data x LEFT JOIN data y ON y.id = x.id AND y.name = x.name AND y.Age + 1 = x.Age AND y.country = x.country",
    );
    assert!(
        q.sql().contains(r#"LEFT JOIN (SELECT * FROM data AS y WHERE (y."id") IS NOT NULL AND (y."name") IS NOT NULL AND (y."Age" + 1) IS NOT NULL"#),
        "{}",
        q.sql()
    );
    // Inner before a RIGHT join: a WHERE would drop the RIGHT join's unmatched rows.
    let q = ok(
        "SELECT z.id FROM data x JOIN data y USING (id, name, Age, country) RIGHT JOIN data z ON z.a = x.a",
    );
    assert!(!q.sql().contains(r#"x."a" WHERE"#), "{}", q.sql());
    assert!(q.sql().contains("AS y WHERE"), "{}", q.sql());
    // Three keys: nothing to do.
    let q = ok("SELECT x.id FROM data x LEFT JOIN data y USING (id, name, Age)");
    assert!(!q.sql().contains("IS NOT NULL"), "{}", q.sql());
}

#[test]
fn four_key_joins_that_cannot_be_filtered_are_refused() {
    for sql in [
        "SELECT COUNT(*) FROM data x FULL JOIN data y USING (id, name, Age, country)",
        "SELECT COUNT(*) FROM data x LEFT JOIN data ON x.id = data.id AND x.name = data.name AND x.Age = data.Age AND x.a = data.a",
        // `singer` names the dataset too: a subquery so named would stand for it.
        "SELECT COUNT(*) FROM data x LEFT JOIN data singer ON x.id = singer.id AND x.name = singer.name AND x.Age = singer.Age AND x.a = singer.a",
        "SELECT COUNT(*) FROM data x LEFT JOIN data y ON id = y.id AND x.name = y.name AND x.Age = y.Age AND x.a = y.a",
    ] {
        rejected_with(sql, "unsupported_syntax");
    }
}

#[test]
fn right_and_full_using_keys_are_coalesced() {
    let q = ok(
        "SELECT id, COUNT(*) FROM data a FULL JOIN data b USING (id) WHERE id > 1 GROUP BY id ORDER BY id",
    );
    assert!(
        q.sql()
            .starts_with(r#"SELECT COALESCE(a."id", b."id") AS "id""#),
        "{}",
        q.sql()
    );
    assert!(
        q.sql()
            .contains(r#"WHERE COALESCE(a."id", b."id") > 1 GROUP BY COALESCE(a."id", b."id")"#),
        "{}",
        q.sql()
    );
    // ORDER BY the key not selected reads the coalesced key.
    let q = ok("SELECT a.name FROM data a RIGHT JOIN data b USING (id) ORDER BY id");
    assert!(
        q.sql().contains(r#"ORDER BY COALESCE(a."id", b."id")"#),
        "{}",
        q.sql()
    );
    // A LEFT join's key is the left table's: nothing to do.
    let q = ok("SELECT id FROM data a LEFT JOIN data b USING (id)");
    assert!(!q.sql().contains("COALESCE"), "{}", q.sql());
    rejected_with(
        "SELECT * FROM data a FULL JOIN data b USING (id)",
        "unsupported_syntax",
    );
}
