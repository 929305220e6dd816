//! The HTTP/1.1 transport of `restsign serve`: hyper's server on a small tokio runtime. This
//! file only adapts hyper to the handler (plain requests in, JSON responses out) and sets limits.
//!
//! Why hyper, not tiny_http or our own framing: tiny_http drains an unread body into
//! `vec![0; Content-Length]`, so one huge Content-Length aborts the process, and hand-framed HTTP
//! is exactly what a well-kept crate is for. The limits: the head must fit hyper's read buffer
//! (else hyper answers 431) and arrive within `header` (also the idle keep-alive timeout); a body
//! is refused with 413 from its Content-Length before a byte of it is read, a chunked one as soon
//! as it grows past the limit, and one that has not arrived within `body` gets 408. A head hyper
//! cannot parse gets hyper's own empty 400 (or 431); everything else is answered by the handler.
//!
//! Memory has a budget: at most `max_connections` open connections (one more is answered 503 and
//! closed), and at most `max_buffered` body bytes held across all of them. A body larger than
//! `FREE_BODY` reserves its declared length (or, chunked, what it has grown to) from that budget
//! before it is buffered, and gets 503 and a close when the budget cannot cover it; smaller bodies
//! need no reservation, so small valid requests are answered however many large ones are held.
//! Bodies are read into one buffer of their declared size, and buffers that large are mapped
//! memory (`M_MMAP_THRESHOLD`), so they go back to the system when the request is done.

use http_body_util::{BodyExt as _, Full};
use hyper::body::{Body as _, Bytes, Incoming};
use hyper::header::{CONNECTION, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::future::{Future, poll_fn};
use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;
use tokio::io::AsyncWrite as _;
use tokio::net::{TcpListener, TcpStream};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

/// Limits on what one client may send.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Request line and headers (hyper's read buffer; at least 8 KiB).
    pub max_head: usize,
    pub max_body: usize,
    /// A head must arrive whole within this long; also how long a keep-alive connection may idle.
    pub header: Duration,
    /// The body must arrive whole within this long of its head.
    pub body: Duration,
    /// Open connections at most; past it a new one is answered 503 and closed.
    pub max_connections: usize,
    /// Body bytes held in memory across all connections at most (see the module's notes).
    pub max_buffered: usize,
}

/// Bodies up to this size are read without a reservation from the shared budget: at most
/// `max_connections` times this much, and small valid requests never wait on large ones.
const FREE_BODY: usize = 16 * 1024;

/// How long a stopping server waits for connections to finish their request in hand.
const GRACE: Duration = Duration::from_secs(3);
/// How long a closed connection keeps reading (see `linger`).
const LINGER: Duration = Duration::from_secs(2);

/// A request as received: the target is the `path?query` of the request line.
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

pub trait Handler: Send + Sync + 'static {
    fn handle(&self, request: &Request) -> Response;
    /// The answer to a request whose body could not be read (too large, too slow, malformed).
    fn protocol_error(&self, status: u16, message: &str) -> Response;
}

/// A server ready to run: the runtime is built and SIGINT/SIGTERM are caught from here on.
pub struct Server {
    runtime: tokio::runtime::Runtime,
    stop_signals: [Signal; 2],
    listener: std::net::TcpListener,
    limits: Limits,
    handler: Arc<dyn Handler>,
}

impl Server {
    pub fn new(
        listener: std::net::TcpListener,
        workers: usize,
        limits: Limits,
        handler: Arc<dyn Handler>,
    ) -> io::Result<Server> {
        give_back_large_buffers();
        raise_fd_limit(limits.max_connections);
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_io().enable_time().build()?;
        let stop_signals = {
            let _context = runtime.enter();
            [signal(SignalKind::interrupt())?, signal(SignalKind::terminate())?]
        };
        Ok(Server { runtime, stop_signals, listener, limits, handler })
    }

    /// Serves until SIGINT or SIGTERM, then lets connections finish the request in hand (closing
    /// idle ones at once) for at most `GRACE`.
    pub fn run(self) -> io::Result<()> {
        let Server { runtime, mut stop_signals, listener, limits, handler } = self;
        runtime.block_on(async move {
            listener.set_nonblocking(true)?;
            let listener = TcpListener::from_std(listener)?;
            // Each connection holds a receiver: `stop.closed()` is when the last one is done.
            let (stop, _) = watch::channel(());
            let connections = Arc::new(Semaphore::new(limits.max_connections.min(Semaphore::MAX_PERMITS)));
            let budget = Arc::new(Semaphore::new(limits.max_buffered.min(Semaphore::MAX_PERMITS)));
            tokio::spawn(trim_when_quieter(connections.clone()));
            loop {
                let accepted = poll_fn(|cx| {
                    if stop_signals.iter_mut().any(|s| s.poll_recv(cx).is_ready()) {
                        return Poll::Ready(None);
                    }
                    listener.poll_accept(cx).map(Some)
                })
                .await;
                match accepted {
                    None => break,
                    Some(Ok((stream, _))) => match connections.clone().try_acquire_owned() {
                        Ok(slot) => {
                            let (handler, budget, stop) = (handler.clone(), budget.clone(), stop.subscribe());
                            tokio::spawn(async move {
                                connection(stream, limits, handler, budget, stop).await;
                                drop(slot);
                            });
                        }
                        Err(_) => {
                            tokio::spawn(shed(stream));
                        }
                    },
                    Some(Err(e)) => {
                        // A client gone before being accepted, or a full file table: pause, go on.
                        eprintln!("restsign serve: accept: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
            }
            drop(listener);
            stop.send_replace(());
            let _ = tokio::time::timeout(GRACE, stop.closed()).await;
            Ok(())
        })
    }
}

/// Answers a connection over the cap with a 503 and closes it, reading (and dropping) a little of
/// what it sent so the answer is not lost to a reset.
async fn shed(stream: TcpStream) {
    const BUSY: &[u8] =
        b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\nRetry-After: 1\r\n\r\n";
    let write = async {
        let mut rest = BUSY;
        while !rest.is_empty() && stream.writable().await.is_ok() {
            match stream.try_write(rest) {
                Ok(n) => rest = &rest[n..],
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => return,
            }
        }
    };
    let _ = tokio::time::timeout(LINGER, write).await;
    linger(stream, 64 * 1024).await;
}

/// Large buffers straight from the system and back to it when freed: glibc otherwise raises its
/// mmap threshold after the first large free and keeps later bodies in heaps it never returns
/// (RSS stayed at 912 MiB after 1,000 connections had closed).
fn give_back_large_buffers() {
    #[cfg(target_env = "gnu")]
    // SAFETY: mallopt only sets an allocator parameter.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 64 * 1024);
    }
}

/// Once a second, if fewer connections are open than a second ago, hands freed heap memory back to
/// the system (connections' buffers are small, so glibc keeps them in its heaps otherwise).
async fn trim_when_quieter(connections: Arc<Semaphore>) {
    let mut free_before = connections.available_permits();
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let free = connections.available_permits();
        if free > free_before {
            #[cfg(target_env = "gnu")]
            // SAFETY: malloc_trim only returns free memory to the system.
            unsafe {
                libc::malloc_trim(0);
            }
        }
        free_before = free;
    }
}

/// Room for `connections` sockets: the soft open-file limit raised toward the hard one.
fn raise_fd_limit(connections: usize) {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: `limit` is writable.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return;
    }
    let wanted = (connections as libc::rlim_t).saturating_add(64).min(limit.rlim_max);
    if wanted > limit.rlim_cur {
        limit.rlim_cur = wanted;
        // SAFETY: a valid rlimit; failure leaves the old limit (accept then reports EMFILE).
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) };
    }
}

async fn connection(
    stream: TcpStream,
    limits: Limits,
    handler: Arc<dyn Handler>,
    budget: Arc<Semaphore>,
    mut stop: watch::Receiver<()>,
) {
    let _ = stream.set_nodelay(true);
    let mut conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header)
        .max_buf_size(limits.max_head)
        .serve_connection(TokioIo::new(stream), Service { handler, limits, budget });
    let mut stopping = pin!(stop.changed());
    let mut asked_to_stop = false;
    // Without hyper's shutdown of the socket: `linger` does it, then reads what is left.
    let done = poll_fn(|cx| {
        if !asked_to_stop && stopping.as_mut().poll(cx).is_ready() {
            asked_to_stop = true;
            Pin::new(&mut conn).graceful_shutdown();
        }
        conn.poll_without_shutdown(cx)
    })
    .await;
    if let Err(e) = done {
        eprintln!("restsign serve: HTTP: {e}");
    }
    if !asked_to_stop {
        linger(conn.into_parts().io.into_inner(), limits.max_body.max(64 * 1024).saturating_mul(4)).await;
    }
}

/// Closing a socket with unread input makes the kernel reset the connection, which can destroy
/// the answer before the client reads it (a 413 sent while the body is still coming). So stop
/// writing, then read and discard for a bounded time and amount.
async fn linger(mut stream: TcpStream, mut budget: usize) {
    if poll_fn(|cx| Pin::new(&mut stream).poll_shutdown(cx)).await.is_err() {
        return;
    }
    let drain = async {
        let mut sink = [0; 16 * 1024];
        while budget > 0 && stream.readable().await.is_ok() {
            match stream.try_read(&mut sink) {
                Ok(0) => return,
                Ok(n) => budget = budget.saturating_sub(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => return,
            }
        }
    };
    let _ = tokio::time::timeout(LINGER, drain).await;
}

/// Collects each request's body within the limits and hands the request to the handler. The
/// handler is synchronous and quick (an HMAC and a counter), so it runs inline.
struct Service {
    handler: Arc<dyn Handler>,
    limits: Limits,
    budget: Arc<Semaphore>,
}

type Reply = hyper::Response<Full<Bytes>>;

impl hyper::service::Service<hyper::Request<Incoming>> for Service {
    type Response = Reply;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Reply, Infallible>> + Send>>;

    fn call(&self, request: hyper::Request<Incoming>) -> Self::Future {
        let (handler, limits, budget) = (self.handler.clone(), self.limits, self.budget.clone());
        Box::pin(async move { Ok(respond(&*handler, limits, &budget, request).await) })
    }
}

async fn respond(
    handler: &dyn Handler,
    limits: Limits,
    budget: &Arc<Semaphore>,
    request: hyper::Request<Incoming>,
) -> Reply {
    let refuse = |status, message: String| reply(handler.protocol_error(status, &message), true);
    let (head, body) = request.into_parts();
    // The reservation lives as long as the body's buffer, until the handler has answered.
    let (body, _reserved) = match tokio::time::timeout(limits.body, read_body(body, limits, budget)).await {
        Ok(Ok(read)) => read,
        Ok(Err(Refusal::TooLarge)) => {
            return refuse(413, format!("request body larger than {} bytes", limits.max_body));
        }
        Ok(Err(Refusal::Busy)) => return refuse(503, "server busy: too many request bodies held, try again".into()),
        Ok(Err(Refusal::Malformed(e))) => return refuse(400, format!("malformed request body: {e}")),
        Err(_) => return refuse(408, "request body timed out".into()),
    };
    let request = Request {
        method: head.method.as_str().to_owned(),
        target: head.uri.path_and_query().map_or_else(|| head.uri.to_string(), |pq| pq.as_str().to_owned()),
        headers: head
            .headers
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
            .collect(),
        body,
    };
    reply(handler.handle(&request), false)
}

enum Refusal {
    TooLarge,
    Busy,
    Malformed(hyper::Error),
}

/// Reads a body into one buffer, within `max_body`, reserving from the shared `budget` whatever
/// goes past `FREE_BODY`. A declared length is checked (and reserved) before a byte is read, so an
/// oversized or unaffordable body is refused on its Content-Length (or before 100 Continue).
async fn read_body(
    mut body: Incoming,
    limits: Limits,
    budget: &Arc<Semaphore>,
) -> Result<(Vec<u8>, Option<OwnedSemaphorePermit>), Refusal> {
    let declared = usize::try_from(body.size_hint().lower()).unwrap_or(usize::MAX);
    if declared > limits.max_body {
        return Err(Refusal::TooLarge);
    }
    let mut reserved: Option<OwnedSemaphorePermit> = None;
    let reserve = |total: usize, reserved: &mut Option<OwnedSemaphorePermit>| -> Result<(), Refusal> {
        let have = reserved.as_ref().map_or(FREE_BODY, |r| FREE_BODY + r.num_permits());
        if total <= have {
            return Ok(());
        }
        // Chunked bodies grow their reservation by doubling, up to the limit.
        let want = total.max(have.saturating_mul(2)).min(limits.max_body.max(total)) - have;
        let more = u32::try_from(want).map_err(|_| Refusal::TooLarge)?;
        let permit = budget.clone().try_acquire_many_owned(more).map_err(|_| Refusal::Busy)?;
        match reserved {
            Some(r) => r.merge(permit),
            None => *reserved = Some(permit),
        }
        Ok(())
    };
    reserve(declared, &mut reserved)?;
    let mut buf = Vec::with_capacity(declared);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(Refusal::Malformed)?;
        let Ok(data) = frame.into_data() else { continue }; // trailers
        let total = buf.len() + data.len();
        if total > limits.max_body {
            return Err(Refusal::TooLarge);
        }
        reserve(total, &mut reserved)?;
        buf.extend_from_slice(&data);
    }
    Ok((buf, reserved))
}

/// `close`: the connection ends after this answer (the request may not have been read whole).
fn reply(response: Response, close: bool) -> Reply {
    let mut out = hyper::Response::new(Full::new(Bytes::from(response.body)));
    *out.status_mut() =
        hyper::StatusCode::from_u16(response.status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    out.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if close {
        out.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
    }
    out
}
