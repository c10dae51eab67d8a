//! The accept loop: HTTP/1 and HTTP/2 over hyper, with every connection bounded in time and
//! their number capped, because the same listener serves Twilio's webhooks and the number's
//! fallback URL: a host that opens connections and never finishes a request must not be able
//! to hold them (and the process's file descriptors) for ever. axum::serve bounds none of it.
//!
//! - A new connection that sends nothing is closed after the idle limit.
//! - From its first byte, the first request (headers and body) must arrive within the request
//!   limit; hyper's header-read timeout bounds the headers of each later request on a kept-alive
//!   connection (and so how long it may sit idle), and each body must arrive within the request
//!   limit of its headers.
//! - A connection on which no new request has begun for the idle limit is shut down gracefully
//!   (requests in flight finish): an HTTP/2 client answering pings would otherwise keep it for
//!   ever.
//! - At the connection cap the loop stops accepting until a connection closes: new clients wait
//!   in the kernel's backlog instead of the process failing to accept (`Too many open files`).
//!
//! Shutdown stops accepting, lets in-flight requests finish and closes idle connections.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{ready, Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulConnection;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};
use tower::ServiceExt as _;

use crate::app::settings::Settings;

/// How long connections may take, and how many may be open.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub request: Duration,
    pub idle: Duration,
    pub connections: u32,
}

/// Descriptors kept back from the connection cap for everything else the process opens: the
/// database pool, the listener, log files, Twilio's connections.
const RESERVED_DESCRIPTORS: u64 = 256;

impl Limits {
    /// The settings' limits, the connection cap lowered to what the open-file limit allows.
    pub fn from_settings(settings: &Settings) -> Self {
        let wanted = u32::try_from(settings.max_connections.max(1)).unwrap_or(u32::MAX);
        let connections = match open_file_limit() {
            Some(limit) => {
                let room = u32::try_from(limit.saturating_sub(RESERVED_DESCRIPTORS).max(1)).unwrap_or(u32::MAX);
                if room < wanted {
                    tracing::warn!(
                        open_file_limit = limit,
                        max_connections = room,
                        "SWITCHBOARD_MAX_CONNECTIONS is more than the open-file limit (ulimit -n) leaves room for; using {room}"
                    );
                }
                wanted.min(room)
            }
            None => wanted,
        };
        Self {
            request: Duration::from_millis(settings.request_timeout_ms.max(1)),
            idle: Duration::from_millis(settings.idle_timeout_ms.max(1)),
            connections,
        }
    }
}

#[cfg(unix)]
fn open_file_limit() -> Option<u64> {
    rustix::process::getrlimit(rustix::process::Resource::Nofile).current
}

#[cfg(not(unix))]
fn open_file_limit() -> Option<u64> {
    None
}

/// Serves `app` on `listener` until `shutdown` completes, then waits for in-flight requests.
///
/// # Errors
/// Never today: accept errors are logged and retried, as axum::serve does.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.request);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(limits.request)
        .keep_alive_timeout(limits.request);
    let open = Arc::new(Semaphore::new(limits.connections as usize));
    let (stopping, stop) = tokio::sync::watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        // Waiting for a free place before accepting is the back-pressure: past the cap,
        // connections queue in the kernel instead of each costing a descriptor here.
        let place = tokio::select! {
            place = open.clone().acquire_owned() => place.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, remote): (_, SocketAddr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let arrival = Arc::new(Mutex::new(Phase::Silent(Instant::now() + limits.idle)));
        let app = app.clone();
        let service = {
            let arrival = arrival.clone();
            hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                let deadline = Phase::headers_read(&arrival, limits.request);
                let (mut parts, body) = request.into_parts();
                // The admin audit and the rate limit read the peer address as axum's ConnectInfo.
                parts.extensions.insert(ConnectInfo(remote));
                let request = hyper::Request::from_parts(parts, Body::new(Deadline::new(body, deadline)));
                app.clone().oneshot(request)
            })
        };
        let io = TokioIo::new(Bounded::new(stream, arrival.clone(), limits.request));
        let connection = builder.serve_connection_with_upgrades(io, service).into_owned();
        tokio::spawn(watch(connection, arrival, limits.idle, stop.clone(), place));
    }
    drop(listener);
    let _ = stopping.send(true);
    // Every place back: every connection has finished.
    let _ = open.acquire_many(limits.connections).await;
    Ok(())
}

/// Runs one connection until it ends, shutting it down gracefully when no request has begun on
/// it for `idle`, or when the server stops; its place is given back at the end.
async fn watch(
    connection: impl GracefulConnection,
    arrival: Arc<Mutex<Phase>>,
    idle: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
    place: OwnedSemaphorePermit,
) {
    tokio::pin!(connection);
    let quiet = tokio::time::sleep(idle);
    tokio::pin!(quiet);
    let mut ending = false;
    loop {
        tokio::select! {
            // A peer that vanished or timed out is its own problem, not the server's.
            _ = connection.as_mut() => break,
            _ = stop.wait_for(|stopped| *stopped), if !ending => {
                connection.as_mut().graceful_shutdown();
                ending = true;
            }
            () = quiet.as_mut(), if !ending => match Phase::quiet_until(&arrival, idle) {
                Some(later) => quiet.as_mut().reset(later),
                None => {
                    connection.as_mut().graceful_shutdown();
                    ending = true;
                }
            },
        }
    }
    drop(place);
}

/// Where a connection is: before or in its first request (with the deadline its reads must
/// meet), or serving.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Not a byte yet: closed at this instant if none comes.
    Silent(Instant),
    /// The first request has begun and must have arrived by this instant.
    First(Instant),
    /// The headers of a request were last read at this instant: hyper and each body's
    /// [`Deadline`] take over, and reads are no longer bounded here (a handler may be at work
    /// while hyper watches the socket).
    Served(Instant),
}

impl Phase {
    /// The deadline of the body of a request whose headers were just read.
    fn headers_read(arrival: &Mutex<Self>, limit: Duration) -> Instant {
        let mut phase = arrival.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        match std::mem::replace(&mut *phase, Self::Served(now)) {
            Self::First(deadline) => deadline,
            Self::Silent(_) | Self::Served(_) => now + limit,
        }
    }

    fn deadline(self) -> Option<Instant> {
        match self {
            Self::Silent(at) | Self::First(at) => Some(at),
            Self::Served(_) => None,
        }
    }

    /// When to look again whether the connection has gone quiet; `None` when it has: no request
    /// begun for `idle`. Before its first request the reads' own deadlines bound it.
    fn quiet_until(arrival: &Mutex<Self>, idle: Duration) -> Option<Instant> {
        let now = Instant::now();
        match *arrival.lock().unwrap_or_else(PoisonError::into_inner) {
            Self::Served(last) => Some(last + idle).filter(|until| *until > now),
            Self::Silent(_) | Self::First(_) => Some(now + idle),
        }
    }
}

/// A TCP stream whose reads fail once the connection's [`Phase`] deadline has passed.
struct Bounded {
    stream: TcpStream,
    arrival: Arc<Mutex<Phase>>,
    request: Duration,
    timer: Pin<Box<Sleep>>,
}

impl Bounded {
    fn new(stream: TcpStream, arrival: Arc<Mutex<Phase>>, request: Duration) -> Self {
        let first = arrival
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .deadline()
            .unwrap_or_else(Instant::now);
        Self {
            stream,
            arrival,
            request,
            timer: Box::pin(tokio::time::sleep_until(first)),
        }
    }
}

impl AsyncRead for Bounded {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        let read = Pin::new(&mut this.stream).poll_read(cx, buf);
        let mut phase = this.arrival.lock().unwrap_or_else(PoisonError::into_inner);
        if let Poll::Ready(Ok(())) = read {
            if buf.filled().len() > before {
                if let Phase::Silent(_) = *phase {
                    *phase = Phase::First(Instant::now() + this.request);
                }
            }
            return read;
        }
        let Some(deadline) = phase.deadline() else {
            return read;
        };
        drop(phase);
        if read.is_ready() {
            return read;
        }
        if this.timer.deadline() != deadline {
            this.timer.as_mut().reset(deadline);
        }
        ready!(this.timer.as_mut().poll(cx));
        Poll::Ready(Err(io::ErrorKind::TimedOut.into()))
    }
}

impl AsyncWrite for Bounded {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// A request body that fails once its deadline has passed, however the bytes trickle in.
struct Deadline {
    body: Incoming,
    timer: Pin<Box<Sleep>>,
}

impl Deadline {
    fn new(body: Incoming, deadline: Instant) -> Self {
        Self {
            body,
            timer: Box::pin(tokio::time::sleep_until(deadline)),
        }
    }
}

/// The request did not arrive within `SWITCHBOARD_REQUEST_TIMEOUT_MS`.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive in time")]
struct TooSlow;

impl hyper::body::Body for Deadline {
    type Data = hyper::body::Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.body).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        ready!(self.timer.as_mut().poll(cx));
        Poll::Ready(Some(Err(TooSlow.into())))
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connection_cap_stays_below_the_open_file_limit() {
        let mut settings = Settings::defaults();
        settings.max_connections = usize::MAX;

        let limits = Limits::from_settings(&settings);

        let cap = u64::from(limits.connections);
        assert!(cap < open_file_limit().unwrap_or(u64::MAX), "{cap}");
    }
}
