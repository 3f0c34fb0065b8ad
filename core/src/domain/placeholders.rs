//! `{{name}}` placeholders, shared by WhatsApp templates (`{{1}}`, `{{first_name}}`) and canned
//! replies (`{{contact.name}}`), so both read and fill text the same way.

/// The names of the placeholders in `text`, in order of appearance (repeats kept).
pub(super) fn placeholder_names(text: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let name = after[..end].trim();
        if is_name(name) {
            names.push(name);
        }
        rest = &after[end + 2..];
    }
    names
}

/// Replaces every placeholder with `value(name)`. Returns the names that had no value, in
/// order of first appearance, if any were missing; text outside placeholders is kept as is.
pub(super) fn fill(
    text: &str,
    mut value: impl FnMut(&str) -> Option<String>,
) -> Result<String, Vec<&str>> {
    let mut out = String::with_capacity(text.len());
    let mut missing: Vec<&str> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let name = after[..end].trim();
        out.push_str(&rest[..start]);
        if is_name(name) {
            match value(name) {
                Some(v) => out.push_str(&v),
                None if !missing.contains(&name) => missing.push(name),
                None => {}
            }
        } else {
            out.push_str(&rest[start..start + 2 + end + 2]);
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    if missing.is_empty() {
        Ok(out)
    } else {
        Err(missing)
    }
}

fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_numbered_and_named_placeholders_and_ignores_braces_that_are_not_names() {
        let text = "Hi {{1}}, order {{ order_id }} is {{a b}} {{contact.name}} {{1}} {{";
        assert_eq!(
            placeholder_names(text),
            vec!["1", "order_id", "contact.name", "1"]
        );
    }

    #[test]
    fn fill_reports_each_missing_name_once() {
        let filled = fill("{{x}} and {{y}} and {{x}}", |n| {
            (n == "y").then(|| "Y".into())
        });
        assert_eq!(filled, Err(vec!["x"]));
        let filled = fill("Dear {{ name }}, see {{not a name}}!", |_| {
            Some("Ana".into())
        });
        assert_eq!(filled.as_deref(), Ok("Dear Ana, see {{not a name}}!"));
    }
}
