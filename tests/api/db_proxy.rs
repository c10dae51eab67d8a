//! A TCP proxy between a server under test and its PostgreSQL, owned by one test: it can
//! drop every connection and refuse new ones (what a restart of PostgreSQL looks like to
//! its clients) or hold back every chunk it forwards (a slow database), without touching
//! the PostgreSQL that other tests share.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub struct DbProxy {
    pub port: u16,
    down: Arc<AtomicBool>,
    delay_ms: Arc<AtomicU64>,
    /// Bumped to cut every open connection.
    cut: watch::Sender<u64>,
    task: tokio::task::JoinHandle<()>,
}

impl DbProxy {
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let down = Arc::new(AtomicBool::new(false));
        let delay_ms = Arc::new(AtomicU64::new(0));
        let (cut, _) = watch::channel(0);
        let task = {
            let (down, delay_ms, cut) = (down.clone(), delay_ms.clone(), cut.clone());
            tokio::spawn(async move {
                while let Ok((client, _)) = listener.accept().await {
                    // Accepted and closed at once: the client sees its connection refused.
                    if down.load(Ordering::SeqCst) {
                        continue;
                    }
                    tokio::spawn(pipe(client, upstream, delay_ms.clone(), cut.subscribe()));
                }
            })
        };
        Self {
            port,
            down,
            delay_ms,
            cut,
            task,
        }
    }

    /// Cuts every connection and refuses new ones until [`DbProxy::resume`].
    pub fn stop(&self) {
        self.down.store(true, Ordering::SeqCst);
        self.cut.send_modify(|n| *n += 1);
    }

    pub fn resume(&self) {
        self.down.store(false, Ordering::SeqCst);
    }

    /// Holds every chunk this long before forwarding it, both ways.
    pub fn delay(&self, delay: Duration) {
        self.delay_ms.store(delay.as_millis() as u64, Ordering::SeqCst);
    }
}

impl Drop for DbProxy {
    fn drop(&mut self) {
        self.task.abort();
        self.stop();
    }
}

async fn pipe(client: TcpStream, upstream: SocketAddr, delay_ms: Arc<AtomicU64>, mut cut: watch::Receiver<u64>) {
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    tokio::select! {
        () = forward(client_read, server_write, delay_ms.clone()) => {}
        () = forward(server_read, client_write, delay_ms) => {}
        _ = cut.changed() => {}
    }
}

async fn forward(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    delay_ms: Arc<AtomicU64>,
) {
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let delay = delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        if to.write_all(&buffer[..n]).await.is_err() {
            return;
        }
    }
}
