//! TEMPORARY stand-in for the `[server]` table (replaced by the server-data branch).

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerSide {
    pub window_ms: u64,
    pub window_from: Option<String>,
    pub window_max_ms: u64,
    pub replies: Replies,
}

impl Default for ServerSide {
    fn default() -> ServerSide {
        ServerSide { window_ms: 5000, window_from: None, window_max_ms: 60_000, replies: Replies::default() }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replies {
    pub success: Reply,
    pub bad_signature: Reply,
    pub unknown_key: Reply,
    pub stale_nonce: Reply,
    pub outside_window: Reply,
    pub replayed: Reply,
    pub malformed: Reply,
    pub internal: Reply,
}

impl Default for Replies {
    fn default() -> Replies {
        let error = |status| Reply { status, body: "{\"error\":\"${message}\"}".into() };
        Replies {
            success: Reply { status: 200, body: "${data}".into() },
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

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    body: String,
}

pub struct ReplyVars<'a> {
    pub message: &'a str,
    pub data: &'a str,
    pub nonce: Option<u64>,
    pub last: Option<u64>,
}

impl Reply {
    pub fn status(&self) -> u16 {
        self.status
    }

    pub fn render(&self, vars: &ReplyVars<'_>) -> Vec<u8> {
        let message = serde_json::to_string(vars.message).expect("strings serialise");
        self.body
            .replace("${message}", &message[1..message.len() - 1])
            .replace("${data}", vars.data)
            .replace("${nonce}", &vars.nonce.map(|n| n.to_string()).unwrap_or_default())
            .replace("${last}", &vars.last.map(|n| n.to_string()).unwrap_or_default())
            .into_bytes()
    }
}
