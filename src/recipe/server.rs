//! The `[server]` table: what a server verifying a recipe's requests needs to know that signing
//! does not — how far a timestamp may stray, where a client names its own window, and what the
//! exchange answers (HTTP status and body) for each outcome, so a local fake exchange can answer
//! in the real one's own error format.
//!
//! Reply bodies are templates with four placeholders: `${message}` (restsign's explanation,
//! JSON-string-escaped without the quotes), `${data}` (a JSON value, raw; `success` only),
//! `${nonce}` and `${last}` (decimal numbers; filled for `stale_nonce`, empty elsewhere). A `$`
//! not followed by `{` is literal.

use super::parse::{Problem, problem};
use serde::Deserialize;

/// How far a request's timestamp may be from the server's clock, either way, by default.
pub const DEFAULT_WINDOW_MS: u64 = 5000;
/// The largest window a client may ask for through `window_from`, by default.
pub const DEFAULT_WINDOW_MAX_MS: u64 = 60000;

/// What a server verifying this recipe needs: the timestamp window and the exchange's replies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerSide {
    /// How far a request's timestamp may be from the server's clock, either way, in ms.
    pub window_ms: u64,
    /// A request parameter or recipe value whose received value is the client's own window in ms
    /// (Binance `recvWindow`, Bybit's value `recv_window`).
    pub window_from: Option<String>,
    /// The largest window a client may ask for through `window_from`, in ms.
    pub window_max_ms: u64,
    pub replies: Replies,
}

impl Default for ServerSide {
    fn default() -> Self {
        ServerSide {
            window_ms: DEFAULT_WINDOW_MS,
            window_from: None,
            window_max_ms: DEFAULT_WINDOW_MAX_MS,
            replies: Replies::default(),
        }
    }
}

/// The exchange's answer for each outcome of a check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replies {
    /// The request is valid: the exchange's envelope around `${data}`.
    pub success: Reply,
    pub bad_signature: Reply,
    pub unknown_key: Reply,
    /// The nonce is not above the last accepted one (`${nonce}`, `${last}`).
    pub stale_nonce: Reply,
    /// The timestamp is outside the window.
    pub outside_window: Reply,
    /// An identical signed request was seen before, inside the window.
    pub replayed: Reply,
    /// The request cannot be checked (a missing header, bad JSON, …).
    pub malformed: Reply,
    /// The server's own failure (the replay store is down).
    pub internal: Reply,
}

impl Default for Replies {
    fn default() -> Self {
        let error = |status| {
            Reply::fixed(status, &[Piece::Text("{\"error\":\"".into()), Piece::Message, Piece::Text("\"}".into())])
        };
        Replies {
            success: Reply::fixed(200, &[Piece::Data]),
            bad_signature: error(401),
            unknown_key: error(401),
            stale_nonce: error(401),
            outside_window: error(401),
            replayed: error(401),
            malformed: error(400),
            internal: error(500),
        }
    }
}

/// One answer: an HTTP status and a body template, split into pieces when the recipe is parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pieces: Vec<Piece>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Message,
    Data,
    Nonce,
    Last,
}

/// What fills a reply's placeholders.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReplyVars<'a> {
    /// restsign's own explanation; inserted JSON-string-escaped, without quotes.
    pub message: &'a str,
    /// A JSON value, inserted as it is (`success`).
    pub data: &'a str,
    /// The nonce received and the last one accepted (`stale_nonce`); empty when None.
    pub nonce: Option<u64>,
    pub last: Option<u64>,
}

impl Reply {
    fn fixed(status: u16, pieces: &[Piece]) -> Reply {
        Reply { status, pieces: pieces.to_vec() }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The body with its placeholders filled.
    pub fn render(&self, vars: &ReplyVars<'_>) -> Vec<u8> {
        let mut out = Vec::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.extend_from_slice(text.as_bytes()),
                Piece::Message => {
                    let quoted = serde_json::to_string(vars.message).expect("strings serialise");
                    out.extend_from_slice(&quoted.as_bytes()[1..quoted.len() - 1]);
                }
                Piece::Data => out.extend_from_slice(vars.data.as_bytes()),
                Piece::Nonce => out.extend_from_slice(vars.nonce.map(|n| n.to_string()).unwrap_or_default().as_bytes()),
                Piece::Last => out.extend_from_slice(vars.last.map(|n| n.to_string()).unwrap_or_default().as_bytes()),
            }
        }
        out
    }

    /// The body template as written.
    pub fn template(&self) -> String {
        self.pieces
            .iter()
            .map(|piece| match piece {
                Piece::Text(text) => text.as_str(),
                Piece::Message => "${message}",
                Piece::Data => "${data}",
                Piece::Nonce => "${nonce}",
                Piece::Last => "${last}",
            })
            .collect()
    }
}

/// The `[server]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ServerDoc {
    #[serde(default)]
    window_ms: Option<u64>,
    #[serde(default)]
    window_from: Option<String>,
    #[serde(default)]
    window_max_ms: Option<u64>,
    #[serde(default)]
    replies: RepliesDoc,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RepliesDoc {
    success: Option<ReplyDoc>,
    bad_signature: Option<ReplyDoc>,
    unknown_key: Option<ReplyDoc>,
    stale_nonce: Option<ReplyDoc>,
    outside_window: Option<ReplyDoc>,
    replayed: Option<ReplyDoc>,
    malformed: Option<ReplyDoc>,
    internal: Option<ReplyDoc>,
}

/// A reply as written; what it leaves out comes from that reply's default.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplyDoc {
    #[serde(default)]
    status: Option<i64>,
    #[serde(default)]
    body: Option<String>,
}

/// Builds the server side from the table (defaults when there is none).
pub(super) fn compile(doc: Option<&ServerDoc>) -> Result<ServerSide, Problem> {
    let mut side = ServerSide::default();
    let Some(doc) = doc else { return Ok(side) };
    side.window_ms = doc.window_ms.unwrap_or(DEFAULT_WINDOW_MS);
    side.window_max_ms = doc.window_max_ms.unwrap_or(DEFAULT_WINDOW_MAX_MS);
    if let Some(name) = &doc.window_from {
        if name.is_empty() {
            return Err(problem(
                "server.window_from",
                "window_from",
                "window_from names a parameter or value: it cannot be empty",
            ));
        }
        side.window_from = Some(name.clone());
    }
    let r = &doc.replies;
    let slots: [(&str, &Option<ReplyDoc>, &mut Reply); 8] = {
        let d = &mut side.replies;
        [
            ("success", &r.success, &mut d.success),
            ("bad_signature", &r.bad_signature, &mut d.bad_signature),
            ("unknown_key", &r.unknown_key, &mut d.unknown_key),
            ("stale_nonce", &r.stale_nonce, &mut d.stale_nonce),
            ("outside_window", &r.outside_window, &mut d.outside_window),
            ("replayed", &r.replayed, &mut d.replayed),
            ("malformed", &r.malformed, &mut d.malformed),
            ("internal", &r.internal, &mut d.internal),
        ]
    };
    for (name, given, reply) in slots {
        let Some(given) = given else { continue };
        let field = format!("server.replies.{name}");
        if let Some(status) = given.status {
            if !(100..=599).contains(&status) {
                return Err(problem(&field, "status", format!("status {status} is not an HTTP status (100 to 599)")));
            }
            reply.status = status as u16;
        }
        if let Some(body) = &given.body {
            reply.pieces =
                pieces(body, name == "success").map_err(|(needle, message)| problem(&field, needle, message))?;
        }
    }
    Ok(side)
}

/// A body template's pieces, or the offending text and why.
fn pieces(body: &str, success: bool) -> Result<Vec<Piece>, (String, String)> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut rest = body;
    while let Some(at) = rest.find("${") {
        text.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
        if !after[end..].starts_with('}') {
            let shown: String = rest[at..].chars().take(2 + end + 1).collect();
            return Err((shown.clone(), format!("`{shown}`: `${{` is not closed by `}}` after a name")));
        }
        let name = &after[..end];
        let piece = match name {
            "message" => Piece::Message,
            "data" if success => Piece::Data,
            "data" => return Err(("${data}".to_owned(), "${data} is only for the success reply".to_owned())),
            "nonce" => Piece::Nonce,
            "last" => Piece::Last,
            other => {
                return Err((
                    format!("${{{other}}}"),
                    format!(
                        "unknown placeholder `${{{other}}}` (known: ${{message}}, ${{data}}, ${{nonce}}, ${{last}})"
                    ),
                ));
            }
        };
        if !text.is_empty() {
            out.push(Piece::Text(std::mem::take(&mut text)));
        }
        out.push(piece);
        rest = &after[end + 1..];
    }
    text.push_str(rest);
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipe::Recipe;

    const BASE: &str =
        "name = \"t\"\nhash = \"sha256\"\nmessage = \"{ts}{path}\"\nheaders = { \"X-SIGN\" = \"{signature}\" }\n";

    fn parse(server: &str) -> Result<Recipe, crate::recipe::RecipeError> {
        Recipe::parse(&format!("{BASE}{server}"))
    }

    fn vars<'a>(message: &'a str) -> ReplyVars<'a> {
        ReplyVars { message, ..ReplyVars::default() }
    }

    #[test]
    fn defaults_without_a_server_table() {
        let recipe = parse("").unwrap();
        assert_eq!(recipe.server, ServerSide::default());
        let s = &recipe.server;
        assert_eq!((s.window_ms, s.window_from.as_deref(), s.window_max_ms), (5000, None, 60000));
        let r = &s.replies;
        assert_eq!(r.success.status(), 200);
        assert_eq!(r.success.render(&ReplyVars { data: "[1,2]", ..vars("x") }), b"[1,2]");
        let statuses: Vec<u16> = [
            &r.bad_signature,
            &r.unknown_key,
            &r.stale_nonce,
            &r.outside_window,
            &r.replayed,
            &r.malformed,
            &r.internal,
        ]
        .iter()
        .map(|r| r.status())
        .collect();
        assert_eq!(statuses, [401, 401, 401, 401, 401, 400, 500]);
        assert_eq!(r.bad_signature.render(&vars("Invalid signature")), br#"{"error":"Invalid signature"}"#);
        assert_eq!(r.internal.template(), r#"{"error":"${message}"}"#);
    }

    #[test]
    fn parses_a_full_table() {
        let recipe = parse(
            r#"
[server]
window_ms = 10000
window_from = "recvWindow"
window_max_ms = 60000
[server.replies]
success = { status = 200, body = '{"code":0,"data":${data}}' }
bad_signature = { status = 400, body = '{"code":-1022,"msg":"Signature for this request is not valid."}' }
stale_nonce = { body = '{"error":"Nonce must be greater than ${last}. You provided ${nonce}."}' }
internal = { status = 503 }
"#,
        )
        .unwrap();
        let s = &recipe.server;
        assert_eq!((s.window_ms, s.window_from.as_deref(), s.window_max_ms), (10000, Some("recvWindow"), 60000));
        let r = &s.replies;
        assert_eq!(r.success.render(&ReplyVars { data: r#"{"a":1}"#, ..vars("") }), br#"{"code":0,"data":{"a":1}}"#);
        assert_eq!(r.bad_signature.status(), 400);
        assert_eq!(
            r.bad_signature.render(&vars("ignored")),
            br#"{"code":-1022,"msg":"Signature for this request is not valid."}"#
        );
        // A reply given in part keeps the rest of its default.
        assert_eq!(r.stale_nonce.status(), 401);
        let stale = ReplyVars { nonce: Some(5), last: Some(17), ..vars("") };
        assert_eq!(r.stale_nonce.render(&stale), br#"{"error":"Nonce must be greater than 17. You provided 5."}"#);
        assert_eq!((r.internal.status(), r.internal.template()), (503, r#"{"error":"${message}"}"#.to_owned()));
        // Replies not given keep theirs.
        assert_eq!(r.unknown_key, Replies::default().unknown_key);
        // Nonce and last are empty when not given.
        assert_eq!(r.stale_nonce.render(&vars("")), br#"{"error":"Nonce must be greater than . You provided ."}"#);
    }

    #[test]
    fn json_recipes_carry_it_too() {
        let recipe = Recipe::parse(
            r#"{"name":"t","hash":"sha256","message":"{ts}","headers":{"X-SIGN":"{signature}"},
                "server":{"window_ms":30000,"replies":{"malformed":{"status":422,"body":"${message}!"}}}}"#,
        )
        .unwrap();
        assert_eq!(recipe.server.window_ms, 30000);
        assert_eq!(recipe.server.replies.malformed.status(), 422);
        assert_eq!(recipe.server.replies.malformed.render(&vars("no")), b"no!");
    }

    #[test]
    fn message_is_escaped_as_a_json_string() {
        let recipe = parse("[server.replies]\nmalformed = { body = '{\"m\":\"${message}\"}' }\n").unwrap();
        let body = recipe.server.replies.malformed.render(&vars("say \"hi\" \\ now\n\t\u{1}\u{7f} é"));
        assert_eq!(body, "{\"m\":\"say \\\"hi\\\" \\\\ now\\n\\t\\u0001\u{7f} é\"}".as_bytes());
        let parsed: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(parsed["m"], "say \"hi\" \\ now\n\t\u{1}\u{7f} é");
    }

    #[test]
    fn dollars_without_a_brace_are_literal() {
        let recipe = parse("[server.replies]\nreplayed = { body = '$5 $$ {x} $' }\n").unwrap();
        assert_eq!(recipe.server.replies.replayed.render(&vars("m")), b"$5 $$ {x} $");
        assert_eq!(recipe.server.replies.replayed.template(), "$5 $$ {x} $");
    }

    #[test]
    fn bad_tables_are_refused_with_the_field() {
        let cases: &[(&str, &str, &str)] = &[
            ("[server.replies]\nbad_signature = { body = '${msg}' }\n", "server.replies.bad_signature", "${msg}"),
            (
                "[server.replies]\nmalformed = { body = '{\"e\":\"${message\"}' }\n",
                "server.replies.malformed",
                "not closed",
            ),
            ("[server.replies]\nunknown_key = { body = '${}' }\n", "server.replies.unknown_key", "placeholder"),
            (
                "[server.replies]\nbad_signature = { body = '${data}' }\n",
                "server.replies.bad_signature",
                "only for the success",
            ),
            ("[server.replies]\nreplayed = { status = 99 }\n", "server.replies.replayed", "100 to 599"),
            ("[server.replies]\nreplayed = { status = 600 }\n", "server.replies.replayed", "100 to 599"),
            ("[server]\nwindow_from = \"\"\n", "server.window_from", "empty"),
        ];
        for (text, field, says) in cases {
            let e = parse(text).unwrap_err();
            assert_eq!(&e.field, field, "{text}: {e}");
            assert!(e.message.contains(says), "{text}: {e}");
            assert!(e.line > 4, "{text}: {e}");
        }
        for text in [
            "[server]\nwindow = 5\n",
            "[server.replies]\nrefused = { status = 400 }\n",
            "[server.replies]\nsuccess = { status = 200, text = 'x' }\n",
            "[server]\nwindow_ms = -1\n",
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.line > 4, "{text}: {e}");
        }
    }

    #[test]
    fn every_preset_has_its_server_side() {
        for recipe in crate::recipe::presets() {
            let s = &recipe.server;
            assert!(s.window_ms > 0, "{}", recipe.name);
            if s.window_from.is_some() {
                assert!(s.window_max_ms >= s.window_ms, "{}", recipe.name);
            }
            let r = &s.replies;
            assert!(r.success.template().contains("${data}"), "{}", recipe.name);
            let body = r.success.render(&ReplyVars { data: r#"{"ok":true}"#, ..vars("") });
            serde_json::from_slice::<serde_json::Value>(&body).unwrap_or_else(|e| panic!("{}: {e}", recipe.name));
            for (what, reply) in [
                ("bad_signature", &r.bad_signature),
                ("unknown_key", &r.unknown_key),
                ("stale_nonce", &r.stale_nonce),
                ("outside_window", &r.outside_window),
                ("replayed", &r.replayed),
                ("malformed", &r.malformed),
                ("internal", &r.internal),
            ] {
                let v = ReplyVars { nonce: Some(12), last: Some(34), ..vars("why \"so\"") };
                let body = reply.render(&v);
                serde_json::from_slice::<serde_json::Value>(&body)
                    .unwrap_or_else(|e| panic!("{} {what}: {e}: {}", recipe.name, String::from_utf8_lossy(&body)));
                assert!(reply.status() >= 200, "{} {what}", recipe.name);
            }
        }
    }

    /// The seed presets answer byte for byte as `restsign serve`'s dialects do (the `json!` values
    /// of src/bin/restsign/serve.rs, written by serde_json).
    #[test]
    fn seed_presets_answer_as_restsign_serve_does() {
        use serde_json::{Value, json};
        let data = json!({"key": "k", "nonce": 7, "method": "POST", "path": "/p"});
        let data_text = data.to_string();
        let (nonce, last) = (5u64, 9u64);
        let stale_generic = format!("Nonce {nonce} is too small: it must be greater than {last}");
        let why = "missing header \"Key\"\n";
        for (name, success, bad, key, stale, malformed, internal) in [
            (
                "mtgox-v1",
                json!({"result": "success", "return": data}),
                json!({"result": "error", "error": "Invalid signature"}),
                json!({"result": "error", "error": "Unknown API key"}),
                json!({"result": "error", "error": stale_generic}),
                json!({"result": "error", "error": why}),
                json!({"result": "error", "error": why}),
            ),
            (
                "poloniex",
                data.clone(),
                json!({"error": "Invalid API key/secret pair."}),
                json!({"error": "Invalid API key/secret pair."}),
                json!({"error": format!("Nonce must be greater than {last}. You provided {nonce}.")}),
                json!({"error": why}),
                json!({"error": why}),
            ),
            (
                "coinpayments",
                json!({"error": "ok", "result": data}),
                json!({"error": "HMAC signature does not match", "result": []}),
                json!({"error": "Unknown API key", "result": []}),
                json!({"error": stale_generic, "result": []}),
                json!({"error": why, "result": []}),
                json!({"error": why, "result": []}),
            ),
            (
                "viabtc",
                json!({"code": 0, "data": data, "message": "OK"}),
                json!({"code": 25, "data": {}, "message": "Invalid signature"}),
                json!({"code": 24, "data": {}, "message": "Unknown API key"}),
                json!({"code": 227, "data": {}, "message": stale_generic}),
                json!({"code": 2, "data": {}, "message": why}),
                json!({"code": 1, "data": {}, "message": why}),
            ),
            (
                "apiauth",
                json!({"data": data}),
                json!({"error": {"message": "HMAC signature is invalid.", "error_code": 41}}),
                json!({"error": {"message": "Unknown API key", "error_code": 40}}),
                json!({"error": {"message": stale_generic, "error_code": 42}}),
                json!({"error": {"message": why, "error_code": 40}}),
                json!({"error": {"message": why, "error_code": 1}}),
            ),
        ] {
            let names: &[&str] = if name == "mtgox-v1" { &["mtgox-v1", "mtgox-v2", "mtgox-stream"] } else { &[name] };
            for name in names {
                let r = &crate::recipe::Recipe::preset(name).unwrap().server.replies;
                let body = |reply: &Reply, v: ReplyVars<'_>| String::from_utf8(reply.render(&v)).unwrap();
                let text = |v: &Value| v.to_string();
                assert_eq!(body(&r.success, ReplyVars { data: &data_text, ..vars("") }), text(&success), "{name}");
                assert_eq!(body(&r.bad_signature, vars("x")), text(&bad), "{name}");
                assert_eq!(body(&r.unknown_key, vars("x")), text(&key), "{name}");
                let stale_vars = ReplyVars { nonce: Some(nonce), last: Some(last), ..vars("x") };
                assert_eq!(body(&r.stale_nonce, stale_vars), text(&stale), "{name}");
                assert_eq!(body(&r.malformed, vars(why)), text(&malformed), "{name}");
                assert_eq!(body(&r.internal, vars(why)), text(&internal), "{name}");
                let statuses =
                    [r.success.status(), r.bad_signature.status(), r.unknown_key.status(), r.stale_nonce.status()];
                assert_eq!(statuses, [200, 401, 401, 401], "{name}");
                assert_eq!((r.malformed.status(), r.internal.status()), (400, 500), "{name}");
            }
        }
    }
}
