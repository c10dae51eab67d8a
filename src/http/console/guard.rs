//! What every console answer carries and every console form must pass, in one layer so that a
//! new page cannot forget it: security headers (a Content-Security-Policy with no inline script
//! or style, no framing, no MIME sniffing, no referrer off the site, no caching of pages that
//! show a business's calls), and the refusal of a POST whose `Origin` is another site, ahead
//! of the forms' own CSRF tokens.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use url::Url;

use super::layout;
use crate::http::state::AppState;

/// The console serves its own stylesheet and script and nothing inline; the voicemail player
/// plays from the console too, and pages that bring themselves up to date fetch from it.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
img-src 'self'; media-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() == Method::POST && !same_site(request.headers(), state.edge.public_url.as_ref()) {
        return protect(layout::problem(
            StatusCode::FORBIDDEN,
            "This form was sent from another site, so it was refused. Open the console itself and try again.",
        ));
    }
    protect(next.run(request).await)
}

fn protect(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    // The stylesheet and script say how long they may be cached; pages are never stored.
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// A request without `Origin` (not a browser, or an old one) is left to the CSRF token; one
/// with an `Origin` must be this server's public URL, or the very host the browser asked for
/// (when there is no public URL, or a proxy passes the public host on).
fn same_site(headers: &HeaderMap, public_url: Option<&Url>) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    // `Origin: null` (a sandboxed frame, a redirect across sites) fails to parse: refused.
    let Some(origin) = origin.to_str().ok().and_then(|o| Url::parse(o).ok()) else {
        return false;
    };
    if public_url.is_some_and(|p| p.origin() == origin.origin()) {
        return true;
    }
    let Some(host) = origin.host_str() else {
        return false;
    };
    let authority = match origin.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| h.eq_ignore_ascii_case(&authority))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(origin: &str, host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ORIGIN, origin.parse().unwrap());
        h.insert(header::HOST, host.parse().unwrap());
        h
    }

    #[test]
    fn the_public_url_or_the_requested_host_is_the_same_site_and_nothing_else() {
        let public: Url = "https://switchboard.example.com".parse().unwrap();
        let behind_proxy = headers("https://switchboard.example.com", "127.0.0.1:8080");
        assert!(same_site(&behind_proxy, Some(&public)));
        assert!(same_site(&headers("http://127.0.0.1:8080", "127.0.0.1:8080"), None));
        assert!(!same_site(
            &headers("https://evil.example", "127.0.0.1:8080"),
            Some(&public)
        ));
        assert!(!same_site(&headers("http://127.0.0.1:9999", "127.0.0.1:8080"), None));
        assert!(!same_site(&headers("null", "127.0.0.1:8080"), None));
        assert!(same_site(&HeaderMap::new(), None), "no Origin: left to the CSRF token");
    }
}
