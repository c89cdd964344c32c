//! Nesting, bounded before anything recursive reads a request.
//!
//! async-graphql's parser descends once per `{`, `[` and `(` of the query text, and
//! a few thousand levels of `[[[[…` in an argument (or `{a:{a:…}}`, or nested
//! selection sets) overflow a worker thread's stack, which aborts the whole process.
//! So the text is first measured here by a scanner that never recurses: it skips
//! comments and strings (block strings included) and keeps two counts:
//!
//! - **values**: lists, input objects and list types nested inside an argument list,
//!   a directive's arguments or the variable definitions (everything between `(` and
//!   `)`). At most `max_depth`, like field depth.
//! - **selections**: selection sets nested outside parentheses. A field may sit
//!   under an inline fragment at every level, so the bound is twice `max_depth`;
//!   the exact field depth, fragments expanded, is measured after parsing.
//!
//! The scan stops at the first breach, so it is linear in the text and allocates
//! nothing. Variables arrive already parsed from JSON (serde_json refuses more than
//! 128 levels); [`variables_depth`] measures them without recursion too.

use async_graphql::{Value as ConstValue, Variables};

use super::LimitExceeded;

/// Checks the nesting of a query text against `max_depth`.
pub fn check_query(query: &str, max_depth: usize) -> Result<(), LimitExceeded> {
    let max_selections = max_depth.saturating_mul(2);
    let mut scanner = Scanner::new(query.as_bytes());
    // Open brackets, innermost last; never longer than the bounds together.
    let mut open: Vec<u8> = Vec::new();
    let mut parentheses = 0usize;
    let mut selections = 0usize;
    let mut values = 0usize;
    while let Some(byte) = scanner.next_significant() {
        match byte {
            // Valid GraphQL nests parentheses twice at most (a directive's arguments
            // on a variable definition).
            b'(' => {
                parentheses += 1;
                if parentheses > max_depth {
                    return Err(LimitExceeded::new(format!(
                        "parentheses nested more than {max_depth} deep exceed the limit of {max_depth}"
                    )));
                }
                open.push(byte);
            }
            b'{' | b'[' if parentheses > 0 => {
                values += 1;
                if values > max_depth {
                    return Err(LimitExceeded::new(format!(
                        "input values nested more than {max_depth} deep exceed the limit of {max_depth}"
                    )));
                }
                open.push(byte);
            }
            b'{' => {
                selections += 1;
                if selections > max_selections {
                    return Err(LimitExceeded::new(format!(
                        "selection sets nested more than {max_selections} deep exceed the limit of {max_selections}"
                    )));
                }
                open.push(byte);
            }
            // Outside parentheses a `[` is not valid GraphQL; the parser refuses it
            // without descending, but count it as a value all the same.
            b'[' => {
                values += 1;
                if values > max_depth {
                    return Err(LimitExceeded::new(format!(
                        "input values nested more than {max_depth} deep exceed the limit of {max_depth}"
                    )));
                }
                open.push(byte);
            }
            b')' | b'}' | b']' => match open.pop() {
                Some(b'(') => parentheses -= 1,
                Some(b'{') if parentheses == 0 => selections = selections.saturating_sub(1),
                Some(_) => values = values.saturating_sub(1),
                // An unmatched closer: the parser refuses it.
                None => {}
            },
            _ => {}
        }
    }
    Ok(())
}

/// The deepest nesting of lists and objects among the variables (a scalar is 0, a
/// list of scalars 1).
pub fn variables_depth(variables: &Variables) -> usize {
    let mut deepest = 0;
    let mut pending: Vec<(&ConstValue, usize)> = variables.values().map(|v| (v, 0)).collect();
    while let Some((value, depth)) = pending.pop() {
        match value {
            ConstValue::List(items) => {
                deepest = deepest.max(depth + 1);
                pending.extend(items.iter().map(|item| (item, depth + 1)));
            }
            ConstValue::Object(fields) => {
                deepest = deepest.max(depth + 1);
                pending.extend(fields.values().map(|field| (field, depth + 1)));
            }
            _ => {}
        }
    }
    deepest
}

/// Checks the variables' nesting against `max_depth`.
pub fn check_variables(variables: &Variables, max_depth: usize) -> Result<(), LimitExceeded> {
    let depth = variables_depth(variables);
    if depth > max_depth {
        return Err(LimitExceeded::new(format!(
            "variables nested {depth} deep exceed the limit of {max_depth}"
        )));
    }
    Ok(())
}

/// How deep a JSON request body (or a JSON query parameter) may nest at all. The
/// variables inside it are held to the depth limit afterwards; this bound only
/// keeps the JSON reader, and everything that walks its values, shallow.
pub const JSON_MAX_DEPTH: usize = 64;

/// Checks that JSON text nests arrays and objects at most [`JSON_MAX_DEPTH`] deep,
/// without parsing it. Malformed JSON passes here and is refused by the reader.
pub fn check_json(text: &[u8]) -> Result<(), LimitExceeded> {
    let mut depth = 0usize;
    let mut at = 0;
    while let Some(&byte) = text.get(at) {
        match byte {
            b'"' => {
                at += 1;
                while let Some(&byte) = text.get(at) {
                    match byte {
                        b'\\' => at += 2,
                        b'"' => break,
                        _ => at += 1,
                    }
                }
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > JSON_MAX_DEPTH {
                    return Err(LimitExceeded::new(format!(
                        "JSON nested more than {JSON_MAX_DEPTH} deep exceeds the limit of {JSON_MAX_DEPTH}"
                    )));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        at += 1;
    }
    Ok(())
}

/// Walks GraphQL source text byte by byte, skipping what cannot hold structure:
/// comments, strings and block strings. Every bracket is ASCII, so bytes suffice.
struct Scanner<'a> {
    text: &'a [u8],
    at: usize,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a [u8]) -> Self {
        Scanner { text, at: 0 }
    }

    fn starts_with(&self, prefix: &[u8]) -> bool {
        self.text[self.at..].starts_with(prefix)
    }

    /// The next byte outside comments and strings.
    fn next_significant(&mut self) -> Option<u8> {
        loop {
            let byte = *self.text.get(self.at)?;
            match byte {
                b'#' => self.skip_comment(),
                b'"' if self.starts_with(b"\"\"\"") => self.skip_block_string(),
                b'"' => self.skip_string(),
                _ => {
                    self.at += 1;
                    return Some(byte);
                }
            }
        }
    }

    fn skip_comment(&mut self) {
        while let Some(&byte) = self.text.get(self.at) {
            if byte == b'\n' || byte == b'\r' {
                return;
            }
            self.at += 1;
        }
    }

    /// A string ends at its closing quote, or at a line end, where the parser gives
    /// up on it: whatever follows is then scanned as structure, which can only
    /// overcount.
    fn skip_string(&mut self) {
        self.at += 1;
        while let Some(&byte) = self.text.get(self.at) {
            match byte {
                b'\\' => self.at += 2,
                b'"' => {
                    self.at += 1;
                    return;
                }
                b'\n' | b'\r' => return,
                _ => self.at += 1,
            }
        }
    }

    /// A block string ends at `"""`; `\"""` inside it is an escaped delimiter.
    fn skip_block_string(&mut self) {
        self.at += 3;
        while self.at < self.text.len() {
            if self.starts_with(b"\\\"\"\"") {
                self.at += 4;
            } else if self.starts_with(b"\"\"\"") {
                self.at += 3;
                return;
            } else {
                self.at += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{Name, Variables};

    use super::*;

    fn nested(open: &str, inner: &str, close: &str, times: usize) -> String {
        format!("{}{inner}{}", open.repeat(times), close.repeat(times))
    }

    #[test]
    fn values_nested_to_the_limit_pass_and_one_more_is_refused() {
        let at_limit = format!("{{ f(a: {}) }}", nested("[", "1", "]", 15));
        assert_eq!(check_query(&at_limit, 15), Ok(()));
        let over = format!("{{ f(a: {}) }}", nested("[", "1", "]", 16));
        assert!(check_query(&over, 15).is_err());
        let objects = format!("{{ f(a: {}) }}", nested("{a:", "1", "}", 16));
        assert!(check_query(&objects, 15).is_err());
    }

    #[test]
    fn thousands_of_levels_are_refused_without_recursion() {
        for query in [
            format!("{{ f(a: {}) }}", nested("[", "", "]", 100_000)),
            format!("{{ f(a: {}) }}", nested("{a:", "1", "}", 100_000)),
            format!(
                "query($v: Int = {}) {{ f }}",
                nested("[", "1", "]", 100_000)
            ),
            format!("query($v: {}) {{ f }}", nested("[", "Int", "]", 100_000)),
            nested("{ a ", "", "}", 100_000),
            format!("{{ f @skip(if: {}) }}", nested("[", "", "]", 100_000)),
            // Unclosed: the parser would still descend.
            format!("{{ f(a: {}", "[".repeat(100_000)),
        ] {
            assert!(check_query(&query, 15).is_err(), "{}", &query[..40]);
        }
    }

    #[test]
    fn selection_sets_allow_an_inline_fragment_per_level() {
        let at_limit = nested("{ a ", "b", "}", 30);
        assert_eq!(check_query(&at_limit, 15), Ok(()));
        assert!(check_query(&nested("{ a ", "b", "}", 31), 15).is_err());
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let text = format!(
            "{{ f(a: \"{}\", b: \"\"\"{} \\\"\"\" {}\"\"\") # {}\n }}",
            "[".repeat(1000),
            "{".repeat(1000),
            "[".repeat(1000),
            "(".repeat(1000),
        );
        assert_eq!(check_query(&text, 15), Ok(()));
        // An escaped quote does not end a string.
        let escaped = format!("{{ f(a: \"\\\"{}\") }}", "[".repeat(1000));
        assert_eq!(check_query(&escaped, 15), Ok(()));
    }

    #[test]
    fn a_string_cut_by_a_line_end_does_not_hide_what_follows() {
        let text = format!("{{ f(a: \"open\n{}) }}", "[".repeat(16));
        assert!(check_query(&text, 15).is_err());
    }

    #[test]
    fn the_standard_introspection_query_passes() {
        let query = include_str!("../../../tests/api/introspection.graphql");
        assert_eq!(check_query(query, 15), Ok(()));
    }

    #[test]
    fn json_is_measured_without_parsing() {
        let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(check_json(deep.as_bytes()).is_err());
        let at_limit = format!("{}1{}", "[".repeat(64), "]".repeat(64));
        assert_eq!(check_json(at_limit.as_bytes()), Ok(()));
        let over = format!("{}1{}", "{\"a\":".repeat(65), "}".repeat(65));
        assert!(check_json(over.as_bytes()).is_err());
        // Brackets inside strings, escaped quotes included, do not count.
        let quoted = format!("{{\"q\": \"\\\"{}\"}}", "[".repeat(1000));
        assert_eq!(check_json(quoted.as_bytes()), Ok(()));
    }

    #[test]
    fn variables_are_measured_without_recursion() {
        let mut value = ConstValue::Number(1.into());
        for _ in 0..100_000 {
            value = ConstValue::List(vec![value]);
        }
        let mut variables = Variables::default();
        variables.insert(Name::new("deep"), value);
        assert_eq!(variables_depth(&variables), 100_000);
        assert!(check_variables(&variables, 15).is_err());
        // A value this deep would overflow the stack when dropped recursively; take
        // it apart level by level.
        let mut pending = variables.remove(&Name::new("deep"));
        while let Some(ConstValue::List(mut items)) = pending {
            pending = items.pop();
        }

        let mut shallow = Variables::default();
        shallow.insert(
            Name::new("input"),
            ConstValue::from_json(serde_json::json!({"a": {"b": [1, 2]}, "c": 1}))
                .unwrap_or_default(),
        );
        assert_eq!(variables_depth(&shallow), 3);
        assert_eq!(check_variables(&shallow, 15), Ok(()));
    }
}
