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

use http_body_util::{BodyExt as _, Full, LengthLimitError, Limited};
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
use tokio::sync::watch;

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
}

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
                    Some(Ok((stream, _))) => {
                        tokio::spawn(connection(stream, limits, handler.clone(), stop.subscribe()));
                    }
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

async fn connection(stream: TcpStream, limits: Limits, handler: Arc<dyn Handler>, mut stop: watch::Receiver<()>) {
    let _ = stream.set_nodelay(true);
    let mut conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header)
        .max_buf_size(limits.max_head)
        .serve_connection(TokioIo::new(stream), Service { handler, limits });
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
}

type Reply = hyper::Response<Full<Bytes>>;

impl hyper::service::Service<hyper::Request<Incoming>> for Service {
    type Response = Reply;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Reply, Infallible>> + Send>>;

    fn call(&self, request: hyper::Request<Incoming>) -> Self::Future {
        let (handler, limits) = (self.handler.clone(), self.limits);
        Box::pin(async move { Ok(respond(&*handler, limits, request).await) })
    }
}

async fn respond(handler: &dyn Handler, limits: Limits, request: hyper::Request<Incoming>) -> Reply {
    let refuse = |status, message: String| reply(handler.protocol_error(status, &message), true);
    let too_large = || refuse(413, format!("request body larger than {} bytes", limits.max_body));
    let (head, body) = request.into_parts();
    // Refused on its Content-Length before a byte of it is read (or invited by 100 Continue).
    if body.size_hint().lower() > limits.max_body as u64 {
        return too_large();
    }
    let body = match tokio::time::timeout(limits.body, Limited::new(body, limits.max_body).collect()).await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) if e.is::<LengthLimitError>() => return too_large(),
        Ok(Err(e)) => return refuse(400, format!("malformed request body: {e}")),
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
        body: body.to_vec(),
    };
    reply(handler.handle(&request), false)
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
