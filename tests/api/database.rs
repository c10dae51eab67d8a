//! A fresh database per test: a SQLite file by default, or, when
//! `SWITCHBOARD_TEST_POSTGRES` names a server (`postgres://postgres@127.0.0.1:5432`), a
//! uniquely named PostgreSQL database that is dropped when the test ends.

use std::sync::atomic::{AtomicU32, Ordering};

use sea_orm::{ConnectionTrait, Database};

pub const POSTGRES_ENV: &str = "SWITCHBOARD_TEST_POSTGRES";

pub struct TestDb {
    pub url: String,
    postgres: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    pub async fn new() -> Self {
        match std::env::var(POSTGRES_ENV) {
            Ok(server) => Self::postgres(server.trim_end_matches('/')).await,
            Err(_) => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
                Self {
                    url,
                    postgres: None,
                    _dir: Some(dir),
                }
            }
        }
    }

    async fn postgres(server: &str) -> Self {
        let name = format!(
            "sb_test_{}_{}_{:08x}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        );
        let admin = Database::connect(format!("{server}/postgres"))
            .await
            .expect("PostgreSQL answers");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        admin.close().await.unwrap();
        Self {
            url: format!("{server}/{name}"),
            postgres: Some((server.to_owned(), name)),
            _dir: None,
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs outside any runtime we may block: use a thread with its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(admin) = Database::connect(format!("{server}/postgres")).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

#[tokio::test]
async fn the_test_database_is_the_one_asked_for() {
    let db = TestDb::new().await;
    if std::env::var(POSTGRES_ENV).is_ok() {
        assert!(db.url.starts_with("postgres://"), "{}", db.url);
        eprintln!("integration tests run on PostgreSQL ({})", db.url);
    } else {
        assert!(db.url.starts_with("sqlite://"));
        eprintln!(
            "integration tests run on SQLite; the PostgreSQL pass was NOT run (set {POSTGRES_ENV}, as .ci/run does)"
        );
    }
}
