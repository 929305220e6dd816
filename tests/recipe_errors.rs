//! Bad recipes: each is refused with its own clear error that says where (line, column, field)
//! and what. Every case starts from a valid recipe and breaks one thing, so the error is about
//! that thing and nothing else.

use restsign::Recipe;

/// A valid recipe; the cases below replace one of its lines or add one.
const GOOD: &str = r#"name = "good"
hash = "sha256"
base_url = "https://api.example.com"
message = "{ts}{method}{path}{?query}{body}"
signature = "hex"
headers = { "X-KEY" = "{key}", "X-SIGN" = "{signature}", "X-TS" = "{ts}" }
"#;

/// `GOOD` with line `line` (1-based) replaced by `with` (or `with` appended when `line` is 0).
fn variant(line: usize, with: &str) -> String {
    let mut lines: Vec<&str> = GOOD.lines().collect();
    if line == 0 {
        lines.push(with);
    } else {
        lines[line - 1] = with;
    }
    lines.join("\n") + "\n"
}

struct Case {
    text: String,
    /// Expected line of the error (0: no line is expected).
    line: usize,
    /// Words the message must contain.
    says: &'static [&'static str],
}

fn cases() -> Vec<Case> {
    let c = |text: String, line: usize, says: &'static [&'static str]| Case { text, line, says };
    vec![
        c(variant(1, r#"nme = "good""#), 1, &["unknown field `nme`"]),
        c(variant(2, r#"hash = "md5""#), 2, &["unknown variant `md5`", "sha256"]),
        c(variant(2, "# no hash"), 0, &["missing field `hash`"]),
        c(variant(4, "# no message"), 0, &["missing field `message`"]),
        c(variant(1, r#"name = "Good Name""#), 1, &["name", "not a recipe name"]),
        c(variant(1, "name = 7"), 1, &["invalid type", "string"]),
        c(variant(3, r#"base_url = "ftp://x""#), 3, &["base_url", "http(s)://host"]),
        c(variant(3, r#"base_url = "https://x.com/api""#), 3, &["base_url", "no path"]),
        c(variant(4, r#"message = "{ts}{methd}""#), 4, &["message", "unknown name `{methd}`"]),
        c(variant(4, r##"message = "{ts""##), 4, &["message", "not closed"]),
        c(variant(4, r#"message = "ts}""#), 4, &["message", "has no `{`"]),
        c(variant(4, r#"message = "{signature}""#), 4, &["message", "{signature} is only for"]),
        c(variant(4, r#"message = "{tag}""#), 4, &["message", "{tag} is only for"]),
        c(variant(4, r#"message = [{ sha999 = "x" }]"#), 4, &["unknown function `sha999`"]),
        c(variant(4, r#"message = [{ sha256 = "x", hex = "y" }]"#), 4, &["function table with one key"]),
        c(variant(4, "message = 42"), 4, &["expected a template string"]),
        c(variant(4, r#"message = [{ if = { cond = "sometimes", then = "x" } }]"#), 4, &["`if.cond` must be"]),
        c(variant(4, r#"message = [{ if = { cond = "body" } }]"#), 4, &["`if` needs `then`"]),
        c(variant(4, r#"message = [{ form = { of = "cookies" } }]"#), 4, &["`form.of` must be params or query"]),
        c(variant(4, r#"message = [{ form = { sorted = true } }]"#), 4, &["`form` has no `sorted`"]),
        c(variant(4, r#"message = [{ json = [{ name = "a" }] }]"#), 4, &["member `a` needs exactly one of"]),
        c(variant(4, r#"message = [{ json = [{ str = "a" }] }]"#), 4, &["needs a `name`"]),
        c(
            variant(4, r#"message = [{ json = [{ name = "a", str = "x", when = "always" }] }]"#),
            4,
            &["`when` can only be"],
        ),
        c(variant(5, r#"signature = "hexadecimal""#), 5, &["signature", "`hexadecimal`", "base64url"]),
        c(variant(5, r#"signature = ["{ts}"]"#), 5, &["signature", "never uses {tag}"]),
        c(variant(6, r#"headers = { "X-KEY" = "{key}" }"#), 0, &["signature goes nowhere"]),
        c(variant(6, r#"headers = { "X KEY" = "{key}", "X-SIGN" = "{signature}" }"#), 6, &["not an HTTP header name"]),
        c(variant(6, r#"headers = { "X-Sign" = "{key}", "X-SIGN" = "{signature}" }"#), 6, &["listed twice"]),
        c(variant(0, r#"query_methods = ["GET", "NOT A METHOD"]"#), 7, &["query_methods", "not an HTTP method"]),
        c(variant(0, r#"query_methods = "some""#), 7, &["expected a list of methods"]),
        c(variant(0, r#"space = "_""#), 7, &["space", "\"%20\" or \"+\""]),
        c(variant(0, r#"empty_body = "null""#), 7, &["empty_body"]),
        c(variant(0, r#"clock = "fortnights""#), 7, &["unknown variant `fortnights`"]),
        c(variant(0, r#"nonce_unit = "ns""#), 7, &["unknown variant `ns`"]),
        c(variant(0, r#"body = "xml""#), 7, &["unknown variant `xml`"]),
        c(variant(0, r#"inject = [{ value = "{ts}" }]"#), 7, &["missing field `name`"]),
        c(variant(0, r#"inject = [{ name = "t", value = "{body}" }]"#), 7, &["cannot use the query or the body"]),
        c(variant(0, r#"inject = [{ name = "t", value = "{ts}", at = "middle" }]"#), 7, &["unknown variant `middle`"]),
        c(
            variant(0, "inject = [{ name = \"t\", value = \"1\" }, { name = \"t\", value = \"2\" }]"),
            0,
            &["injected twice"],
        ),
        c(variant(0, r#"values = { method = "x" }"#), 7, &["not a free name for a value"]),
        c(variant(0, r#"values = { a = "{b}", b = "x" }"#), 7, &["unknown name `{b}`"]),
        c(variant(0, r#"message2 = "x""#), 7, &["unknown field `message2`"]),
        c(variant(4, r#"message = [{ key_uuid = true }]"#), 0, &["key_uuid needs key = \"uuid\""]),
        c(
            variant(3, r#"base_url = """#).replace("{ts}{method}", "{host}"),
            0,
            &["{host} is used but base_url is empty"],
        ),
        c("name = \"x\"\nhash = \"sha256\"\nmessage = \"a\"\n[headers\n".to_owned(), 4, &["unclosed table"]),
        c(
            r#"{"name": "x", "hash": "sha256", "message": "{nonce}", "headers": {"S": "{signature}"}, "extra": 1}"#
                .to_owned(),
            1,
            &["unknown field `extra`"],
        ),
        c(
            "{\"name\": \"x\",\n \"hash\": \"sha256\",\n \"message\": \"{nonce\"}".to_owned(),
            3,
            &["message", "not closed"],
        ),
        c("{\"name\": \"x\", \"hash\": ".to_owned(), 1, &["EOF"]),
        // The [server] table: what a verifier allows and answers.
        c(
            variant(0, "[server.replies]\nbad_signature = { status = 400, body = '{\"code\":${code}}' }"),
            8,
            &["server.replies.bad_signature", "unknown placeholder `${code}`"],
        ),
        c(
            variant(0, "[server.replies]\nmalformed = { body = '{\"data\":${data}}' }"),
            8,
            &["server.replies.malformed", "${data} is only for the success reply"],
        ),
        c(
            variant(0, "[server.replies]\nstale_nonce = { body = '{\"n\":${nonce' }"),
            8,
            &["server.replies.stale_nonce", "is not closed"],
        ),
        c(variant(0, "[server.replies]\nreplayed = { status = 700 }"), 8, &["server.replies.replayed", "100 to 599"]),
        c(variant(0, "[server]\nwindow = 5000"), 8, &["unknown field `window`"]),
        c(variant(0, "[server.replies]\nrefused = { status = 403 }"), 8, &["unknown field `refused`"]),
        c(variant(0, "[server.replies]\nsuccess = { status = 200, text = 'x' }"), 8, &["unknown field `text`"]),
        c(variant(0, "[server]\nwindow_ms = \"5s\""), 8, &["invalid type"]),
    ]
}

#[test]
fn the_good_recipe_is_good() {
    let recipe = Recipe::parse(GOOD).unwrap();
    assert_eq!(recipe.name, "good");
}

#[test]
fn every_bad_recipe_gets_its_own_clear_error() {
    let cases = cases();
    assert!(cases.len() >= 30, "the issue asks for at least 30, there are {}", cases.len());
    let mut messages = Vec::new();
    for case in &cases {
        let err = match Recipe::parse(&case.text) {
            Ok(r) => panic!("accepted a bad recipe ({}):\n{}", r.name, case.text),
            Err(e) => e,
        };
        let text = err.to_string();
        for word in case.says {
            assert!(text.contains(word), "error {text:?} lacks {word:?} for:\n{}", case.text);
        }
        if case.line > 0 {
            assert_eq!(err.line, case.line, "error {text:?} on the wrong line for:\n{}", case.text);
            assert!(err.column > 0, "no column in {text:?}");
            assert!(text.starts_with(&format!("line {}, column ", case.line)), "{text:?}");
        }
        messages.push(text);
    }
    // Each refusal says something of its own (no catch-all message).
    let mut unique = messages.clone();
    unique.sort();
    unique.dedup();
    let repeated: Vec<_> = messages.iter().filter(|m| messages.iter().filter(|n| n == m).count() > 1).collect();
    assert!(repeated.len() <= 2, "the same message for different mistakes: {repeated:?}");
}

#[test]
fn a_column_points_at_the_mistake() {
    let err = Recipe::parse(&variant(4, r#"message = "{ts}{methd}""#)).unwrap_err();
    // `{methd}` starts at the 16th character of `message = "{ts}{methd}"`.
    assert_eq!((err.line, err.column, err.field.as_str()), (4, 16, "message"));
}

#[test]
fn every_preset_parses_and_round_trips_through_json() {
    for preset in restsign::presets() {
        assert!(Recipe::preset(&preset.name).is_some());
        for alias in &preset.aliases {
            assert_eq!(Recipe::preset(alias).unwrap().name, preset.name);
        }
    }
    // The same recipe as JSON is the same recipe.
    let json = r#"{"name": "good", "hash": "sha256", "base_url": "https://api.example.com",
        "message": "{ts}{method}{path}{?query}{body}", "signature": "hex",
        "headers": {"X-KEY": "{key}", "X-SIGN": "{signature}", "X-TS": "{ts}"}}"#;
    assert_eq!(Recipe::parse(json).unwrap(), Recipe::parse(GOOD).unwrap());
}
