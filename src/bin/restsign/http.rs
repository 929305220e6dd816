//! A small HTTP/1.1 server for `restsign serve`: `httparse` parses, this file frames.
//!
//! Why not tiny_http: it drains an unread body into `vec![0; remaining Content-Length]` when a
//! request is dropped, so one `Content-Length: 1000000000000000` aborts the process; it has no
//! limit on header size, no read timeouts, and closes on non-ASCII garbage without answering.
//! Here every limit is explicit: head size, body size (413), idle and request timeouts (408),
//! and every protocol error gets an answer in the handler's JSON style before the connection
//! closes. Bodies come with `Content-Length` or `Transfer-Encoding: chunked`; both at once is
//! refused (request smuggling). Keep-alive and pipelining work; a fixed pool of workers serves
//! one connection each at a time.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// Limits on what one client may send.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Request line and headers.
    pub max_head: usize,
    pub max_body: usize,
    /// An idle keep-alive connection is closed after this long.
    pub idle: Duration,
    /// A request must arrive whole within this long of its first byte.
    pub request: Duration,
}

const MAX_HEADERS: usize = 64;
/// How often a blocked read wakes up to notice a shutdown.
const POLL: Duration = Duration::from_millis(200);

/// A request as received: the target is the raw `path?query` of the request line.
pub struct Request {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

/// A JSON response.
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

pub trait Handler: Send + Sync {
    fn handle(&self, request: &Request) -> Response;
    /// The answer to a request that could not be read (bad HTTP, too large, too slow).
    fn protocol_error(&self, status: u16, message: &str) -> Response;
}

/// Serves `listener` with `workers` threads until `stop` is set (and the acceptor woken by a
/// connection), then lets each worker finish the request in hand and returns.
pub fn serve(listener: TcpListener, workers: usize, limits: Limits, stop: Arc<AtomicBool>, handler: Arc<dyn Handler>) {
    let (queue, jobs) = mpsc::sync_channel::<TcpStream>(workers * 4);
    let jobs = Arc::new(Mutex::new(jobs));
    let threads: Vec<_> = (0..workers)
        .map(|_| {
            let (jobs, stop, handler) = (jobs.clone(), stop.clone(), handler.clone());
            std::thread::spawn(move || {
                loop {
                    // The lock is held only while waiting for the next connection.
                    let next = jobs.lock().unwrap_or_else(|p| p.into_inner()).recv();
                    let Ok(stream) = next else { break };
                    if !stop.load(Ordering::SeqCst) {
                        Connection { stream, buf: Vec::new(), limits, stop: &stop }.run(&*handler);
                    }
                }
            })
        })
        .collect();
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        match stream {
            Ok(stream) => {
                if queue.send(stream).is_err() {
                    break;
                }
            }
            // A client that hung up before being accepted, or a full file table: go on.
            Err(e) => eprintln!("restsign serve: accept: {e}"),
        }
    }
    drop(queue);
    for t in threads {
        let _ = t.join();
    }
}

/// Why reading stopped.
enum Halt {
    /// The client closed, the connection broke, or the server is stopping: just close.
    Close,
    /// Answer with this status and message, then close.
    Answer(u16, String),
}

struct Connection<'s> {
    stream: TcpStream,
    /// Bytes read and not yet consumed (a pipelined next request may follow the current one).
    buf: Vec<u8>,
    limits: Limits,
    stop: &'s AtomicBool,
}

impl Connection<'_> {
    fn run(&mut self, handler: &dyn Handler) {
        if self.stream.set_read_timeout(Some(POLL)).is_err() {
            return;
        }
        let _ = self.stream.set_nodelay(true);
        loop {
            match self.next_request() {
                Ok((request, keep_alive)) => {
                    let response = handler.handle(&request);
                    let keep_alive = keep_alive && !self.stop.load(Ordering::SeqCst);
                    let head_only = request.method == "HEAD";
                    if self.write(&response, keep_alive, head_only).is_err() || !keep_alive {
                        return;
                    }
                }
                Err(Halt::Close) => return,
                Err(Halt::Answer(status, message)) => {
                    if self.write(&handler.protocol_error(status, &message), false, false).is_ok() {
                        self.linger();
                    }
                    return;
                }
            }
        }
    }

    /// Reads one whole request; also says whether the connection may carry another.
    fn next_request(&mut self) -> Result<(Request, bool), Halt> {
        let idle_since = Instant::now();
        let mut started: Option<Instant> = (!self.buf.is_empty()).then(Instant::now);
        let (head_len, mut request, version, framing) = loop {
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut parsed = httparse::Request::new(&mut headers);
            match parsed.parse(&self.buf) {
                Ok(httparse::Status::Complete(len)) => {
                    let version = parsed.version.unwrap_or(1);
                    let request = Request {
                        method: parsed.method.unwrap_or_default().to_owned(),
                        target: parsed.path.unwrap_or_default().to_owned(),
                        headers: parsed.headers.iter().map(|h| (h.name.to_owned(), h.value.to_vec())).collect(),
                        body: Vec::new(),
                    };
                    let framing = framing(&request.headers)?;
                    break (len, request, version, framing);
                }
                Ok(httparse::Status::Partial) if self.buf.len() > self.limits.max_head => {
                    return Err(Halt::Answer(431, "request head too large".into()));
                }
                Ok(httparse::Status::Partial) => {}
                Err(httparse::Error::TooManyHeaders) => {
                    return Err(Halt::Answer(431, format!("more than {MAX_HEADERS} headers")));
                }
                Err(e) => return Err(Halt::Answer(400, format!("malformed HTTP request: {e}"))),
            }
            let deadline = match started {
                Some(t) => t + self.limits.request,
                None => idle_since + self.limits.idle,
            };
            // Waiting for a first byte ends quietly; a request cut short gets a 408.
            let quiet = started.is_none();
            self.fill(deadline, quiet)?;
            started.get_or_insert_with(Instant::now);
        };
        let started = started.unwrap_or_else(Instant::now);
        let deadline = started + self.limits.request;
        // Refused before reading a byte of it (and before inviting it with 100 Continue).
        if matches!(framing, Framing::Length(n) if n > self.limits.max_body) {
            return Err(too_large(self.limits.max_body));
        }
        if header(&request.headers, "expect").is_some_and(|v| v.eq_ignore_ascii_case(b"100-continue")) {
            self.stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").map_err(|_| Halt::Close)?;
        }
        let consumed = match framing {
            Framing::Length(n) => {
                while self.buf.len() < head_len + n {
                    self.fill(deadline, false)?;
                }
                request.body = self.buf[head_len..head_len + n].to_vec();
                head_len + n
            }
            Framing::Chunked => self.chunked_body(head_len, deadline, &mut request.body)?,
        };
        self.buf.drain(..consumed);
        let close = header(&request.headers, "connection").is_some_and(|v| v.eq_ignore_ascii_case(b"close"));
        Ok((request, version == 1 && !close))
    }

    /// Decodes a chunked body that starts at `at`; returns where the request ends.
    fn chunked_body(&mut self, mut at: usize, deadline: Instant, body: &mut Vec<u8>) -> Result<usize, Halt> {
        loop {
            let (line, size) = match httparse::parse_chunk_size(&self.buf[at..]) {
                Ok(httparse::Status::Complete(found)) => found,
                Ok(httparse::Status::Partial) => {
                    self.fill(deadline, false)?;
                    continue;
                }
                Err(_) => return Err(Halt::Answer(400, "malformed chunked body".into())),
            };
            let size = usize::try_from(size).unwrap_or(usize::MAX);
            if size > self.limits.max_body - body.len() {
                return Err(too_large(self.limits.max_body));
            }
            if size == 0 {
                // Trailers (ignored) up to the empty line that ends the request.
                loop {
                    let mut trailers = [httparse::EMPTY_HEADER; MAX_HEADERS];
                    match httparse::parse_headers(&self.buf[at + line..], &mut trailers) {
                        Ok(httparse::Status::Complete((len, _))) => return Ok(at + line + len),
                        Ok(httparse::Status::Partial) if self.buf.len() - at > self.limits.max_head => {
                            return Err(Halt::Answer(431, "chunked trailers too large".into()));
                        }
                        Ok(httparse::Status::Partial) => self.fill(deadline, false)?,
                        Err(_) => return Err(Halt::Answer(400, "malformed chunked trailers".into())),
                    }
                }
            }
            while self.buf.len() < at + line + size + 2 {
                self.fill(deadline, false)?;
            }
            let data = at + line;
            if &self.buf[data + size..data + size + 2] != b"\r\n" {
                return Err(Halt::Answer(400, "malformed chunked body".into()));
            }
            body.extend_from_slice(&self.buf[data..data + size]);
            at = data + size + 2;
        }
    }

    /// Reads more bytes into the buffer, waiting until `deadline`. `quiet`: a timeout closes
    /// without an answer (an idle connection), else it is a 408.
    fn fill(&mut self, deadline: Instant, quiet: bool) -> Result<(), Halt> {
        let mut chunk = [0; 16 * 1024];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err(Halt::Close),
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(());
                }
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                    if self.stop.load(Ordering::SeqCst) {
                        return Err(Halt::Close);
                    }
                    if Instant::now() >= deadline {
                        return Err(if quiet { Halt::Close } else { Halt::Answer(408, "request timed out".into()) });
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Err(Halt::Close),
            }
        }
    }

    /// Closing with unread input makes the kernel reset the connection, which can destroy the
    /// answer before the client reads it (a 413 sent while the body is still coming). So stop
    /// writing, then read and discard for a bounded time and amount.
    fn linger(&mut self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Write);
        let until = Instant::now() + Duration::from_secs(2);
        let mut left = 4 * self.limits.max_body.max(64 * 1024);
        let mut sink = [0; 16 * 1024];
        while left > 0 && Instant::now() < until && !self.stop.load(Ordering::SeqCst) {
            match self.stream.read(&mut sink) {
                Ok(0) => return,
                Ok(n) => left = left.saturating_sub(n),
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted) => {}
                Err(_) => return,
            }
        }
    }

    fn write(&mut self, response: &Response, keep_alive: bool, head_only: bool) -> io::Result<()> {
        let mut out = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{}\r\n",
            response.status,
            reason(response.status),
            response.body.len(),
            if keep_alive { "" } else { "Connection: close\r\n" },
        )
        .into_bytes();
        if !head_only {
            out.extend_from_slice(&response.body);
        }
        self.stream.write_all(&out)?;
        self.stream.flush()
    }
}

/// How the body of a request is delimited.
#[derive(Clone, Copy)]
enum Framing {
    Length(usize),
    Chunked,
}

fn framing(headers: &[(String, Vec<u8>)]) -> Result<Framing, Halt> {
    let bad = |m: &str| Halt::Answer(400, m.to_owned());
    let lengths: Vec<&[u8]> = all(headers, "content-length").collect();
    let codings: Vec<&[u8]> = all(headers, "transfer-encoding").collect();
    match (lengths.as_slice(), codings.as_slice()) {
        ([], []) => Ok(Framing::Length(0)),
        ([], [coding]) if coding.trim_ascii().eq_ignore_ascii_case(b"chunked") => Ok(Framing::Chunked),
        ([], _) => Err(Halt::Answer(501, "only the chunked transfer coding is supported".into())),
        ([_, ..], [_, ..]) => Err(bad("both Content-Length and Transfer-Encoding")),
        ([first, rest @ ..], []) => {
            let digits = first.trim_ascii();
            if rest.iter().any(|other| other.trim_ascii() != digits)
                || digits.is_empty()
                || !digits.iter().all(u8::is_ascii_digit)
            {
                return Err(bad("invalid Content-Length"));
            }
            // Too many digits for usize is simply too large.
            Ok(Framing::Length(std::str::from_utf8(digits).ok().and_then(|d| d.parse().ok()).unwrap_or(usize::MAX)))
        }
    }
}

fn too_large(max: usize) -> Halt {
    Halt::Answer(413, format!("request body larger than {max} bytes"))
}

fn all<'h>(headers: &'h [(String, Vec<u8>)], name: &'h str) -> impl Iterator<Item = &'h [u8]> {
    headers.iter().filter(move |(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_slice())
}

pub fn header<'h>(headers: &'h [(String, Vec<u8>)], name: &str) -> Option<&'h [u8]> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_slice())
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        408 => "Request Timeout",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        _ => "Unknown",
    }
}
