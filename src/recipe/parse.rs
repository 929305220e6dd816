//! Recipes from TOML or JSON text, with errors that say where and what.
//!
//! Two steps: serde reads the document into [`Doc`] (unknown fields, missing fields and wrong types
//! come back with the parser's own line and column), then [`compile`] checks every template and
//! function and builds the [`Recipe`] (its errors name the field and point at the offending text).
//! Either a whole recipe comes out or an error; nothing half-built.

use super::expr::{Cond, Expr, Member, MemberValue, ParamSet, Token, compile_template};
use super::*;
use serde::Deserialize;
use serde_json::Value;
use std::fmt;

/// Why a recipe was refused: where (1-based line and column, when known) and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecipeError {
    pub line: usize,
    pub column: usize,
    /// The field the problem is in (`headers.OK-ACCESS-SIGN`), when it is a field's content.
    pub field: String,
    pub message: String,
}

impl fmt::Display for RecipeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "line {}, column {}: ", self.line, self.column)?;
        }
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for RecipeError {}

/// The document as written. Field names and defaults are `docs/RECIPES.md`'s.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Doc {
    name: String,
    #[serde(default)]
    aliases: Vec<AliasDoc>,
    #[serde(default)]
    about: String,
    hash: HashName,
    #[serde(default)]
    secret: SecretName,
    #[serde(default)]
    key: KeyName,
    #[serde(default)]
    passphrase: bool,
    #[serde(default)]
    base_url: String,
    #[serde(default)]
    strip_prefix: String,
    #[serde(default)]
    query_methods: Option<Value>,
    #[serde(default)]
    body: BodyName,
    #[serde(default)]
    empty_body: String,
    #[serde(default)]
    space: Option<String>,
    #[serde(default)]
    sort: SortName,
    #[serde(default = "yes")]
    content_type: bool,
    #[serde(default)]
    clock: ClockName,
    #[serde(default)]
    clock_offset: i64,
    #[serde(default)]
    nonce_unit: UnitName,
    #[serde(default)]
    inject: Vec<InjectDoc>,
    message: Value,
    #[serde(default)]
    signature: Option<Value>,
    #[serde(default)]
    signature_param: Option<SignatureParamDoc>,
    #[serde(default)]
    values: indexmap::IndexMap<String, Value>,
    #[serde(default)]
    headers: indexmap::IndexMap<String, Value>,
    #[serde(default)]
    envelope: Option<Value>,
    #[serde(default)]
    key_param: Option<String>,
    #[serde(default)]
    nonce_optional: bool,
    #[serde(default)]
    server: Option<super::server::ServerDoc>,
}

/// Another name for the recipe: the same recipe, or (with `base_url`) the same recipe sent to
/// another host (binanceusdm, kucoinfutures).
#[derive(Deserialize)]
#[serde(untagged)]
enum AliasDoc {
    Same(String),
    Host { name: String, base_url: String },
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum HashName {
    Sha256,
    Sha384,
    Sha512,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "lowercase")]
enum SecretName {
    #[default]
    Raw,
    Base64,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "lowercase")]
enum KeyName {
    #[default]
    Text,
    Uuid,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "lowercase")]
enum BodyName {
    #[default]
    Form,
    Json,
    None,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "lowercase")]
enum SortName {
    #[default]
    None,
    Query,
    All,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "lowercase")]
enum ClockName {
    #[default]
    Ms,
    S,
    Us,
    Iso8601,
    Ymdhms,
}

#[derive(Deserialize, Default)]
enum UnitName {
    #[serde(rename = "s")]
    S,
    #[default]
    #[serde(rename = "ms")]
    Ms,
    #[serde(rename = "us")]
    Us,
    #[serde(rename = "10us")]
    TenUs,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum PlaceName {
    #[default]
    Params,
    Query,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "lowercase")]
enum AtName {
    Start,
    #[default]
    End,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "lowercase")]
enum TypeName {
    #[default]
    String,
    Number,
    Bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InjectDoc {
    name: String,
    value: String,
    #[serde(default, rename = "type")]
    value_type: TypeName,
    #[serde(default)]
    at: AtName,
    #[serde(default)]
    into: PlaceName,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignatureParamDoc {
    name: String,
    #[serde(default)]
    into: PlaceName,
}

pub(super) fn parse(text: &str) -> Result<Recipe, RecipeError> {
    let doc: Doc = if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| RecipeError {
            line: e.line(),
            column: e.column(),
            field: key_at(text, e.line(), e.column()),
            message: e.to_string().split(" at line ").next().unwrap_or_default().to_owned(),
        })?
    } else {
        toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((0, 0), |span| line_column(text, span.start));
            RecipeError { line, column, field: key_at(text, line, column), message: e.message().to_owned() }
        })?
    };
    compile(doc).map_err(|e| {
        let (line, column) = locate(text, &e.field, &e.needle);
        RecipeError { line, column, field: e.field, message: e.message }
    })
}

/// A problem found after parsing: the field, the message, and text to look for in the source.
pub(super) struct Problem {
    field: String,
    message: String,
    needle: String,
}

pub(super) fn problem(field: impl Into<String>, needle: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem { field: field.into(), message: message.into(), needle: needle.into() }
}

/// The key being set where a parser stopped (`hash = "md5"`, `"body": "xml"`, `at = "middle"`
/// inside an inline table), to name the field in its error; empty when there is none.
fn key_at(text: &str, line: usize, column: usize) -> String {
    let Some(line) = line.checked_sub(1).and_then(|i| text.lines().nth(i)) else { return String::new() };
    let before: String = line.chars().take(column.saturating_sub(1)).collect();
    // The last `key =` or `"key":` before the column, after any `{`, `[` or `,`.
    let segment = before.rsplit([',', '{', '[']).next().unwrap_or_default().trim();
    let Some((key, _)) = segment.split_once(['=', ':']) else { return String::new() };
    let key = key.trim().trim_matches('"');
    let plain = !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
    if plain { key.to_owned() } else { String::new() }
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Where `needle` first appears after the field's own name (as written in the source; a template
/// is found by its text).
fn locate(text: &str, field: &str, needle: &str) -> (usize, usize) {
    if needle.is_empty() {
        return (0, 0);
    }
    // Walk down the field's path (`inject`, then `t`), each part found after the one before.
    let mut from = 0;
    for part in field.split('.').filter(|p| !p.is_empty()) {
        if let Some(i) = text[from..].find(part) {
            from += i;
        }
    }
    let at = text[from..].find(needle).map(|i| from + i).or_else(|| text.find(needle));
    at.map_or((0, 0), |at| line_column(text, at))
}

/// What a part may read where it stands.
#[derive(Clone, Copy)]
struct Allowed<'a> {
    /// Names of the recipe's values usable here (earlier ones, inside `values`).
    values: &'a [String],
    tag: bool,
    signature: bool,
}

fn compile(doc: Doc) -> Result<Recipe, Problem> {
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.len() <= 64
            && n.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b))
    };
    let mut aliases = Vec::new();
    let mut variants = Vec::new();
    for alias in &doc.aliases {
        match alias {
            AliasDoc::Same(name) => aliases.push(name.clone()),
            AliasDoc::Host { name, base_url } => {
                let (url, host) = split_base_url(base_url)?;
                variants.push(Variant { name: name.clone(), base_url: url, host });
            }
        }
    }
    for name in std::iter::once(&doc.name).chain(&aliases).chain(variants.iter().map(|v| &v.name)) {
        if !name_ok(name) {
            return Err(problem("name", name, format!("`{name}` is not a recipe name (1 to 64 of a-z 0-9 - _ .)")));
        }
    }
    let (base_url, host) = split_base_url(&doc.base_url)?;
    let query_methods = match &doc.query_methods {
        None => Methods::Only(vec!["GET".into(), "DELETE".into()]),
        Some(Value::String(s)) if s == "*" => Methods::All,
        Some(Value::Array(items)) => {
            let mut methods = Vec::new();
            for item in items {
                match item.as_str() {
                    Some(m) if crate::signer::check_method(m).is_ok() => methods.push(m.to_ascii_uppercase()),
                    _ => {
                        return Err(problem(
                            "query_methods",
                            item.to_string(),
                            format!("{item} is not an HTTP method"),
                        ));
                    }
                }
            }
            Methods::Only(methods)
        }
        Some(other) => {
            return Err(problem("query_methods", other.to_string(), "expected a list of methods or \"*\""));
        }
    };
    let space = match doc.space.as_deref() {
        None | Some("%20") => Space::Percent20,
        Some("+") => Space::Plus,
        Some(other) => return Err(problem("space", other, format!("`{other}`: expected \"%20\" or \"+\""))),
    };
    let empty_body = match doc.empty_body.as_str() {
        "" | "{}" => doc.empty_body.clone().into_bytes(),
        other => return Err(problem("empty_body", other, format!("`{other}`: expected \"\" or \"{{}}\""))),
    };

    // Values, in order: each may use the ones before it.
    let mut value_names: Vec<String> = Vec::new();
    let mut values = Vec::new();
    for (name, part) in &doc.values {
        let ident = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ident || Token::BUILT_IN.iter().any(|(n, _)| n == name) {
            return Err(problem(format!("values.{name}"), name, format!("`{name}` is not a free name for a value")));
        }
        let allowed = Allowed { values: &value_names, tag: false, signature: false };
        values.push((name.clone(), parts(part, allowed, &format!("values.{name}"))?));
        value_names.push(name.clone());
    }
    let everywhere = Allowed { values: &value_names, tag: false, signature: false };
    let message = parts(&doc.message, everywhere, "message")?;
    let signature = match &doc.signature {
        None => Expr::Encode(TextEncoding::HexLower, Box::new(Expr::Token(Token::Tag))),
        Some(Value::String(s)) if !s.contains('{') => tag_encoding(s)?,
        Some(other) => parts(other, Allowed { tag: true, ..everywhere }, "signature")?,
    };
    let after_signing = Allowed { signature: true, ..everywhere };
    let mut headers: Vec<(String, Expr)> = Vec::new();
    for (name, part) in &doc.headers {
        let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        if name.is_empty() || !name.bytes().all(token) {
            return Err(problem(format!("headers.{name}"), name, format!("`{name}` is not an HTTP header name")));
        }
        if headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
            return Err(problem(format!("headers.{name}"), name, "the header is listed twice"));
        }
        headers.push((name.clone(), parts(part, after_signing, &format!("headers.{name}"))?));
    }
    let envelope = doc.envelope.as_ref().map(|e| parts(e, after_signing, "envelope")).transpose()?;

    let mut inject = Vec::new();
    for item in &doc.inject {
        let field = format!("inject.{}", item.name);
        if item.name.is_empty() {
            return Err(problem("inject", "name", "an injected parameter needs a name"));
        }
        // Injected parameters are made before the query and body exist, and before any value.
        let value = template(&item.value, Allowed { values: &[], ..everywhere }, &field)?;
        for t in [Token::Query, Token::QueryRaw, Token::Body, Token::Payload] {
            if value.uses(t) {
                return Err(problem(&field, &item.value, "an injected parameter cannot use the query or the body"));
            }
        }
        inject.push(Inject {
            name: item.name.clone(),
            value,
            value_type: match item.value_type {
                TypeName::String => ValueType::String,
                TypeName::Number => ValueType::Number,
                TypeName::Bool => ValueType::Bool,
            },
            at_start: matches!(item.at, AtName::Start),
            into: placement(item.into),
        });
    }
    let server = super::server::compile(doc.server.as_ref())?;
    let signature_param =
        doc.signature_param.as_ref().map(|p| SignatureParam { name: p.name.clone(), into: placement(p.into) });

    let recipe = Recipe {
        c_name: CString::new(doc.name.clone()).expect("checked: no NUL in a name"),
        name: doc.name,
        aliases,
        variants,
        about: doc.about,
        hash: match doc.hash {
            HashName::Sha256 => Hash::Sha256,
            HashName::Sha384 => Hash::Sha384,
            HashName::Sha512 => Hash::Sha512,
        },
        secret: match doc.secret {
            SecretName::Raw => SecretFormat::AsGiven,
            SecretName::Base64 => SecretFormat::Base64,
        },
        key: match doc.key {
            KeyName::Text => KeyFormat::Text,
            KeyName::Uuid => KeyFormat::Uuid,
        },
        needs_passphrase: doc.passphrase,
        base_url,
        host,
        strip_prefix: doc.strip_prefix,
        query_methods,
        body: match doc.body {
            BodyName::Form => BodyFormat::Form,
            BodyName::Json => BodyFormat::Json,
            BodyName::None => BodyFormat::None,
        },
        empty_body,
        space,
        sort: match doc.sort {
            SortName::None => Sort::None,
            SortName::Query => Sort::Query,
            SortName::All => Sort::All,
        },
        content_type: doc.content_type,
        clock: match doc.clock {
            ClockName::Ms => TimeFormat::Millis,
            ClockName::S => TimeFormat::Seconds,
            ClockName::Us => TimeFormat::Micros,
            ClockName::Iso8601 => TimeFormat::Iso8601,
            ClockName::Ymdhms => TimeFormat::Ymdhms,
        },
        clock_offset_s: doc.clock_offset,
        nonce_unit: match doc.nonce_unit {
            UnitName::S => NonceUnit::Seconds,
            UnitName::Ms => NonceUnit::Millis,
            UnitName::Us => NonceUnit::Micros,
            UnitName::TenUs => NonceUnit::TenMicros,
        },
        inject,
        values,
        message,
        signature,
        signature_param,
        headers,
        envelope,
        key_param: doc.key_param,
        nonce_optional: doc.nonce_optional,
        server,
        traits: Traits::default(),
    };
    check_whole(recipe)
}

/// Rules that span fields.
fn check_whole(mut recipe: Recipe) -> Result<Recipe, Problem> {
    recipe.traits = recipe.compute_traits();
    if recipe.uses(Token::Passphrase) {
        recipe.needs_passphrase = true;
    }
    if !recipe.signature.uses(Token::Tag) {
        return Err(problem(
            "signature",
            "signature",
            "the signature never uses {tag}: it would not depend on the secret",
        ));
    }
    let placed = recipe.headers.iter().any(|(_, e)| e.uses(Token::Signature))
        || recipe.envelope.as_ref().is_some_and(|e| e.uses(Token::Signature))
        || recipe.signature_param.is_some()
        || recipe.signature.uses(Token::Payload);
    if !placed {
        return Err(problem(
            "signature",
            "",
            "the signature goes nowhere: use {signature} in a header or the envelope, or set signature_param",
        ));
    }
    if recipe.uses(Token::Host) && recipe.host.is_empty() {
        return Err(problem("base_url", "{host}", "{host} is used but base_url is empty"));
    }
    if recipe.key == KeyFormat::Text && recipe.uses_key_uuid() {
        return Err(problem("key", "key_uuid", "key_uuid needs key = \"uuid\""));
    }
    let mut seen: Vec<&str> = Vec::new();
    for inject in &recipe.inject {
        if seen.contains(&inject.name.as_str()) {
            return Err(problem(format!("inject.{}", inject.name), &inject.name, "injected twice"));
        }
        seen.push(&inject.name);
    }
    Ok(recipe)
}

fn placement(name: PlaceName) -> Placement {
    match name {
        PlaceName::Params => Placement::Params,
        PlaceName::Query => Placement::Query,
    }
}

fn split_base_url(url: &str) -> Result<(String, String), Problem> {
    if url.is_empty() {
        return Ok((String::new(), String::new()));
    }
    match super::base_url_host(url) {
        Some(host) => Ok((url.to_owned(), host.to_owned())),
        None => Err(problem("base_url", url, format!("`{url}`: expected http(s)://host[:port], no path"))),
    }
}

fn tag_encoding(name: &str) -> Result<Expr, Problem> {
    let tag = || Box::new(Expr::Token(Token::Tag));
    Ok(match name {
        "hex" => Expr::Encode(TextEncoding::HexLower, tag()),
        "HEX" => Expr::Encode(TextEncoding::HexUpper, tag()),
        "base64" => Expr::Encode(TextEncoding::Base64, tag()),
        "base64url" => Expr::Encode(TextEncoding::Base64Url, tag()),
        "base64-hex" => Expr::Encode(TextEncoding::Base64, Box::new(Expr::Encode(TextEncoding::HexLower, tag()))),
        other => {
            return Err(problem(
                "signature",
                other,
                format!("`{other}`: expected hex, HEX, base64, base64url, base64-hex or parts over {{tag}}"),
            ));
        }
    })
}

fn template(text: &str, allowed: Allowed<'_>, field: &str) -> Result<Expr, Problem> {
    let lookup = |name: &str| allowed.values.iter().position(|v| v == name).map(Token::Value);
    let expr = compile_template(text, &lookup).map_err(|(message, at)| problem(field, at, message))?;
    if expr.uses(Token::Tag) && !allowed.tag {
        return Err(problem(field, "{tag}", "{tag} is only for `signature`"));
    }
    if expr.uses(Token::Signature) && !allowed.signature {
        return Err(problem(field, "{signature}", "{signature} is only for `headers` and `envelope`"));
    }
    Ok(expr)
}

/// Parts: a template, a list of parts, or a one-key function table.
fn parts(value: &Value, allowed: Allowed<'_>, field: &str) -> Result<Expr, Problem> {
    match value {
        Value::String(text) => template(text, allowed, field),
        Value::Array(items) => {
            let list = items.iter().map(|item| parts(item, allowed, field)).collect::<Result<Vec<_>, _>>()?;
            Ok(Expr::Concat(list))
        }
        Value::Object(table) if table.len() == 1 => {
            let (name, arg) = table.iter().next().expect("one entry");
            function(name, arg, allowed, field)
        }
        other => Err(problem(
            field,
            match other {
                Value::Object(table) => table.keys().next().cloned().unwrap_or_default(),
                _ => other.to_string(),
            },
            format!("expected a template string, a list of parts or a function table with one key, found {other}"),
        )),
    }
}

fn function(name: &str, arg: &Value, allowed: Allowed<'_>, field: &str) -> Result<Expr, Problem> {
    let inner = || parts(arg, allowed, field).map(Box::new);
    let table =
        |what: &str| arg.as_object().ok_or_else(|| problem(field, name, format!("`{name}` takes a table ({what})")));
    let flag = |t: &serde_json::Map<String, Value>, key: &str| -> Result<bool, Problem> {
        match t.get(key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(problem(field, key, format!("`{name}.{key}` must be true or false"))),
        }
    };
    let only = |t: &serde_json::Map<String, Value>, known: &[&str]| -> Result<(), Problem> {
        match t.keys().find(|k| !known.contains(&k.as_str())) {
            Some(k) => Err(problem(field, k, format!("`{name}` has no `{k}` (it takes {})", known.join(", ")))),
            None => Ok(()),
        }
    };
    Ok(match name {
        "sha256" => Expr::Digest(Hash::Sha256, inner()?),
        "sha384" => Expr::Digest(Hash::Sha384, inner()?),
        "sha512" => Expr::Digest(Hash::Sha512, inner()?),
        "hmac" => Expr::Hmac(inner()?),
        "hex" => Expr::Encode(TextEncoding::HexLower, inner()?),
        "HEX" => Expr::Encode(TextEncoding::HexUpper, inner()?),
        "base64" => Expr::Encode(TextEncoding::Base64, inner()?),
        "base64url" => Expr::Encode(TextEncoding::Base64Url, inner()?),
        "params_concat" => Expr::ParamsConcat,
        "key_uuid" => Expr::KeyUuid,
        "if" => {
            let t = table("cond, then, else")?;
            only(t, &["cond", "then", "else"])?;
            let cond = match t.get("cond").and_then(Value::as_str) {
                Some("query") => Cond::Query,
                Some("body") => Cond::Body,
                Some("params") => Cond::Params,
                Some("query_method") => Cond::QueryMethod,
                _ => return Err(problem(field, "cond", "`if.cond` must be query, body, params or query_method")),
            };
            let then = t.get("then").ok_or_else(|| problem(field, "if", "`if` needs `then`"))?;
            let other = t.get("else").map(|e| parts(e, allowed, field)).transpose()?;
            Expr::If(cond, Box::new(parts(then, allowed, field)?), Box::new(other.unwrap_or(Expr::Concat(vec![]))))
        }
        "form" => {
            let t = table("of, sort, raw, extra")?;
            only(t, &["of", "sort", "raw", "extra"])?;
            let of = match t.get("of").map(|v| v.as_str()) {
                None | Some(Some("params")) => ParamSet::Params,
                Some(Some("query")) => ParamSet::Query,
                _ => return Err(problem(field, "of", "`form.of` must be params or query")),
            };
            let mut extra = Vec::new();
            if let Some(e) = t.get("extra") {
                let e =
                    e.as_object().ok_or_else(|| problem(field, "extra", "`form.extra` is a table name → template"))?;
                for (n, v) in e {
                    let v = v.as_str().ok_or_else(|| problem(field, n, "`form.extra` values are templates"))?;
                    extra.push((n.clone().into_bytes(), template(v, allowed, field)?));
                }
            }
            Expr::Form { of, sort: flag(t, "sort")?, raw: flag(t, "raw")?, extra }
        }
        "json" => {
            let items = arg.as_array().ok_or_else(|| problem(field, "json", "`json` takes a list of members"))?;
            Expr::Json(items.iter().map(|m| member(m, allowed, field)).collect::<Result<_, _>>()?)
        }
        other => {
            return Err(problem(
                field,
                other,
                format!(
                    "unknown function `{other}` (known: sha256, sha384, sha512, hmac, hex, HEX, base64, base64url, if, form, json, params_concat, key_uuid)"
                ),
            ));
        }
    })
}

fn member(value: &Value, allowed: Allowed<'_>, field: &str) -> Result<Member, Problem> {
    let t = value.as_object().ok_or_else(|| problem(field, value.to_string(), "a JSON member is a table"))?;
    const KNOWN: [&str; 9] = ["name", "str", "number", "bool", "raw", "object", "spread", "when", "_"];
    if let Some(k) = t.keys().find(|k| !KNOWN[..8].contains(&k.as_str())) {
        return Err(problem(
            field,
            k,
            format!("a JSON member has no `{k}` (it takes name, str, number, bool, raw, object, spread, when)"),
        ));
    }
    let when_params = match t.get("when").map(|w| w.as_str()) {
        None => false,
        Some(Some("params")) => true,
        _ => return Err(problem(field, "when", "`when` can only be \"params\"")),
    };
    if let Some(spread) = t.get("spread") {
        if spread.as_str() != Some("params") || t.len() != 1 + usize::from(when_params) {
            return Err(problem(field, "spread", "write a spread member as { spread = \"params\" }"));
        }
        return Ok(Member { name: String::new(), value: MemberValue::SpreadParams, when_params });
    }
    let name =
        t.get("name").and_then(Value::as_str).ok_or_else(|| problem(field, "json", "a JSON member needs a `name`"))?;
    let kinds: Vec<&str> =
        ["str", "number", "bool", "raw", "object"].into_iter().filter(|k| t.contains_key(*k)).collect();
    let [kind] = kinds[..] else {
        return Err(problem(
            field,
            name,
            format!("member `{name}` needs exactly one of str, number, bool, raw, object"),
        ));
    };
    let v = &t[kind];
    let value = match kind {
        "str" => MemberValue::Str(parts(v, allowed, field)?),
        "number" => MemberValue::Number(parts(v, allowed, field)?),
        "raw" => MemberValue::Raw(parts(v, allowed, field)?),
        "bool" => MemberValue::Bool(v.as_bool().ok_or_else(|| problem(field, name, "`bool` must be true or false"))?),
        _ if v.as_str() == Some("params") => MemberValue::ParamsObject,
        _ => return Err(problem(field, name, "`object` can only be \"params\"")),
    };
    Ok(Member { name: name.to_owned(), value, when_params })
}
