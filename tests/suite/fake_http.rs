//! Loopback HTTP stand-ins for fault tests: a proxy in front of the real MLflow server that
//! dies after a number of requests (the server stopped mid-promotion), one that fails the
//! requests of one endpoint, and a server that answers every request the same way (5xx, 401, or
//! too slowly).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// One HTTP/1.1 request: head and body, with `Connection: close` forced.
fn read_request(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut head = Vec::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse().ok()?;
        }
        if lower.starts_with("connection:") {
            continue;
        }
        head.extend_from_slice(line.as_bytes());
    }
    head.extend_from_slice(b"Connection: close\r\n\r\n");
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    head.extend_from_slice(&body);
    Some(head)
}

pub struct FakeServer {
    pub uri: String,
    /// Requests seen so far.
    pub seen: Arc<AtomicUsize>,
}

/// Forwards the first `alive_for` requests to `upstream` (host:port), then refuses the rest as
/// a stopped server would (the connection is closed without an answer).
pub fn dying_proxy(upstream: &str, alive_for: usize) -> FakeServer {
    let upstream = upstream.trim_start_matches("http://").to_string();
    serve(move |n, request, stream| {
        if n >= alive_for {
            return;
        }
        if let Ok(mut up) = TcpStream::connect(&upstream) {
            let _ = up.write_all(&request);
            let mut answer = Vec::new();
            let _ = up.read_to_end(&mut answer);
            let _ = stream.write_all(&answer);
        }
    })
}

/// Answers every request with `status` and a JSON error body, after `delay`.
pub fn fixed(status: u16, delay: Duration) -> FakeServer {
    serve(move |_, _, stream| {
        std::thread::sleep(delay);
        answer(stream, status);
    })
}

/// Forwards requests to `upstream` (host:port), except those whose request line contains
/// `failing`: those are answered with `status` and counted in the second value.
pub fn failing_path(
    upstream: &str,
    failing: &'static str,
    status: u16,
) -> (FakeServer, Arc<AtomicUsize>) {
    let upstream = upstream.trim_start_matches("http://").to_string();
    let failed = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&failed);
    let server = serve(move |_, request, stream| {
        let line = request.split(|b| *b == b'\n').next().unwrap_or_default();
        if String::from_utf8_lossy(line).contains(failing) {
            counter.fetch_add(1, Ordering::SeqCst);
            answer(stream, status);
        } else if let Ok(mut up) = TcpStream::connect(&upstream) {
            let _ = up.write_all(&request);
            let mut answer = Vec::new();
            let _ = up.read_to_end(&mut answer);
            let _ = stream.write_all(&answer);
        }
    });
    (server, failed)
}

/// `status` with a JSON error body, as MLflow answers errors.
fn answer(stream: &mut TcpStream, status: u16) {
    let body = format!(
        "{{\"error_code\":\"FAKE_{status}\",\"message\":\"answered {status} by the test\"}}"
    );
    let _ = write!(
        stream,
        "HTTP/1.1 {status} Fake\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn serve(handle: impl Fn(usize, Vec<u8>, &mut TcpStream) + Send + Sync + 'static) -> FakeServer {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let uri = format!("http://{}", listener.local_addr().expect("address"));
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    let handle = Arc::new(handle);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let handle = Arc::clone(&handle);
            let counter = Arc::clone(&counter);
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                if let Some(request) = read_request(&mut stream) {
                    let n = counter.fetch_add(1, Ordering::SeqCst);
                    handle(n, request, &mut stream);
                }
            });
        }
    });
    FakeServer { uri, seen }
}
