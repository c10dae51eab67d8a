//! A headless Chromium per test, through its own `chromedriver`, closed however the test ends.

use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tokio::process::{Child, Command};

use crate::helpers::TestApp;

pub const REQUIRE: &str = "SWITCHBOARD_REQUIRE_BROWSER";

pub struct Browser {
    pub client: Client,
    base: String,
    test: &'static str,
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// chromedriver and the Chromium binary, or why they are missing.
fn find() -> Result<(PathBuf, PathBuf), String> {
    let driver = on_path("chromedriver").ok_or("`chromedriver` is not on PATH")?;
    let chromium = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find_map(on_path)
        .ok_or("no `chromium` on PATH")?;
    Ok((driver, chromium))
}

async fn start_driver(driver: &Path) -> (Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver starts");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return (child, port);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("chromedriver did not listen on port {port}");
}

/// Runs `test` in a fresh browser against `app`; the browser is closed even when the test
/// panics, and the panic is passed on.
pub async fn with_browser<F, Fut>(app: TestApp, test: &'static str, body: F)
where
    F: FnOnce(Browser, Arc<TestApp>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (driver, chromium) = match find() {
        Ok(found) => found,
        Err(why) => {
            let required = std::env::var(REQUIRE).is_ok_and(|v| v == "1");
            assert!(!required, "{REQUIRE}=1 but {why}: install chromium and chromium-driver");
            // Straight to stderr, past the test harness's capture: it must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "browser test `{test}` was NOT run: {why} (install chromium and chromium-driver)"
            );
            return;
        }
    };
    let (_driver, port) = start_driver(&driver).await;
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,900", "--hide-scrollbars", "--lang=en-US"],
        }),
    );
    // chromedriver listens on loopback over plain HTTP: no TLS stack needed.
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("chromedriver opens a session");
    let browser = Browser {
        client: client.clone(),
        base: format!("http://127.0.0.1:{}", app.port),
        test,
    };
    // Held here until the test ends: a body that does not use the app must not drop its
    // database (on PostgreSQL, dropping it drops the database under the running server).
    let app = Arc::new(app);
    let outcome = tokio::spawn(body(browser, app.clone())).await;
    let _ = client.close().await;
    drop(app);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

fn screenshots() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || {
            // target/debug/deps/browser-…: three levels up is the target directory.
            let exe = std::env::current_exe().unwrap();
            exe.ancestors().nth(3).unwrap().to_path_buf()
        },
        PathBuf::from,
    );
    target.join("screenshots")
}

impl Browser {
    pub async fn goto(&self, path: &str) {
        self.client.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    pub async fn find(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(Duration::from_secs(5))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => e,
            Err(e) => panic!("no `{css}` on {}: {e}", self.path().await),
        }
    }

    pub async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_owned()
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    pub async fn value(&self, css: &str) -> String {
        self.find(css).await.prop("value").await.unwrap().unwrap_or_default()
    }

    /// Sets a field's value as if typed (a whole rules file typed key by key is slow).
    pub async fn fill(&self, css: &str, value: &str) {
        let field = self.find(css).await;
        self.client
            .execute(
                "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'));",
                vec![serde_json::to_value(field).unwrap(), json!(value)],
            )
            .await
            .unwrap();
    }

    /// Clicks a link or a submit button, and waits until the page it loads replaced this one.
    pub async fn click(&self, css: &str) {
        let old = self.find("html").await;
        self.find(css).await.click().await.unwrap();
        for _ in 0..200 {
            if old.tag_name().await.is_err() {
                self.find("body").await;
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("clicking `{css}` loaded no page");
    }

    /// Waits up to `seconds` for `css` to read `needle`, without loading another page;
    /// returns what it then reads.
    pub async fn wait_for_text(&self, css: &str, needle: &str, seconds: u64) -> String {
        let mut last = String::new();
        for _ in 0..seconds * 4 {
            if let Ok(e) = self.client.find(Locator::Css(css)).await {
                last = e.text().await.unwrap_or_default();
                if last.contains(needle) {
                    return last;
                }
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        panic!("`{css}` did not come to read `{needle}` in {seconds} s; it reads: {last}");
    }

    /// Clicks something that changes this page only (a `<summary>`, a checkbox), brought to
    /// the middle of the window first, as a person scrolls to it: not under a sticky bar.
    pub async fn toggle(&self, css: &str) {
        let element = self.find(css).await;
        self.client
            .execute(
                "arguments[0].scrollIntoView({block: 'center'});",
                vec![serde_json::to_value(&element).unwrap()],
            )
            .await
            .unwrap();
        element.click().await.unwrap();
    }

    pub async fn sign_in(&self, token: &str) {
        self.goto("/admin/sign-in").await;
        self.fill("#token", token).await;
        self.click("form[action='/admin/sign-in'] button").await;
    }

    /// The whole page at desktop (1280) and phone (390) widths.
    /// Makes the window `width` pixels wide, as a phone (390) or a desktop (1280).
    pub async fn width(&self, width: u32) {
        self.client.set_window_size(width, 900).await.unwrap();
    }

    pub async fn screenshot(&self, page: &str) {
        let dir = screenshots();
        std::fs::create_dir_all(&dir).unwrap();
        for (width, label) in [(1280, "desktop"), (390, "phone")] {
            self.client.set_window_size(width, 900).await.unwrap();
            let height = self
                .client
                // The window's height includes what is not page: add that back.
                .execute(
                    "return document.documentElement.scrollHeight + window.outerHeight - window.innerHeight",
                    vec![],
                )
                .await
                .unwrap()
                .as_u64()
                .unwrap_or(900)
                .clamp(600, 4000);
            self.client.set_window_size(width, height as u32).await.unwrap();
            let png = self.client.screenshot().await.unwrap();
            std::fs::write(dir.join(format!("{page}-{label}.png")), png).unwrap();
        }
        self.client.set_window_size(1280, 900).await.unwrap();
        eprintln!("{}: screenshots of {page} in {}", self.test, dir.display());
    }
}
