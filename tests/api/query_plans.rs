//! The call path's reads find their rows through indexes, so they cost the same with a
//! year of call history as with none. Plans are SQLite's (`EXPLAIN QUERY PLAN`);
//! PostgreSQL chooses its plans by its statistics, so they are not checked there.

use chrono::Utc;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::database::TestDb;

/// The plan's lines that read `table`.
async fn plan(sql: &Statement, table: &str) -> Option<Vec<String>> {
    let fresh = TestDb::new().await;
    if fresh.is_postgres() {
        eprintln!("query plans are SQLite's: not checked on PostgreSQL");
        return None;
    }
    let db = switchboard::store::connect(&fresh.url).await.unwrap();
    switchboard::store::migrate(&db).await.unwrap();
    let values = sql.values.clone().map(|v| v.0).unwrap_or_default();
    let explain = Statement::from_sql_and_values(DbBackend::Sqlite, format!("EXPLAIN QUERY PLAN {}", sql.sql), values);
    let rows = db.query_all(explain).await.unwrap();
    Some(
        rows.iter()
            .map(|row| row.try_get_by_index::<String>(3).unwrap())
            .filter(|detail| detail.contains(table))
            .collect(),
    )
}

#[tokio::test]
async fn who_is_busy_is_read_without_the_legs_that_never_ended() {
    let busy = switchboard::store::availability::unavailability_query(DbBackend::Sqlite, "acme-dental", Utc::now());
    let Some(legs) = plan(&busy, "call_legs").await else {
        return;
    };
    // A leg whose final status callback never came stays below `completed` for good:
    // a read by client and "not ended" would go through all of them on every call.
    assert_eq!(legs.len(), 2, "{legs:?}");
    assert!(legs[0].contains("(client_id=? AND status_rank=?)"), "{legs:?}");
    assert!(
        legs[1].contains("(client_id=? AND accepted=? AND status_rank<?)"),
        "{legs:?}"
    );
}

#[tokio::test]
async fn whom_a_caller_last_spoke_with_is_read_through_the_callers_index() {
    let since = Utc::now() - chrono::Duration::days(7);
    let last = switchboard::store::calls::last_answered_query(DbBackend::Sqlite, "acme-dental", "+19175550142", since);
    let Some(calls) = plan(&last, "calls").await else {
        return;
    };
    // One caller's calls of the last days, newest first: a few rows, however long the
    // history.
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(
        calls[0].contains("USING INDEX ix_calls_caller (from_digits_reversed=? AND started_at>?)"),
        "{calls:?}"
    );
}

#[tokio::test]
async fn sqlite_connections_keep_temporary_files_in_memory_and_checkpoint_often() {
    let fresh = TestDb::new().await;
    if fresh.is_postgres() {
        eprintln!("SQLite's settings: not checked on PostgreSQL");
        return;
    }
    let db = switchboard::store::connect(&fresh.url).await.unwrap();
    let pragma = |name: &'static str| {
        let db = &db;
        async move {
            let row = db
                .query_one(Statement::from_string(DbBackend::Sqlite, format!("PRAGMA {name}")))
                .await
                .unwrap()
                .unwrap();
            row.try_get_by_index::<i64>(0).unwrap()
        }
    };
    assert_eq!(pragma("temp_store").await, 2, "2 is MEMORY");
    assert_eq!(pragma("wal_autocheckpoint").await, 250);
}

#[tokio::test]
async fn the_call_log_is_read_newest_first_through_an_index_for_all_clients_and_for_one() {
    use switchboard::store::calls::{list_query, CallFilter};
    let all = list_query(DbBackend::Sqlite, &CallFilter::default(), 50);
    let Some(calls) = plan(&all, "calls").await else {
        return;
    };
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(calls[0].contains("USING INDEX ix_calls_started_sid"), "{calls:?}");
    let one = CallFilter {
        clients: Some(vec!["acme-dental".into()]),
        ..CallFilter::default()
    };
    let calls = plan(&list_query(DbBackend::Sqlite, &one, 50), "calls").await.unwrap();
    assert!(
        calls[0].contains("USING INDEX ix_calls_client_started (client_id=?)"),
        "{calls:?}"
    );
}

#[tokio::test]
async fn a_clients_figures_read_only_its_calls_of_the_period_through_their_index() {
    let (since, until) = (Utc::now() - chrono::Duration::days(365), Utc::now());
    let queries = switchboard::store::stats::call_figures_queries(DbBackend::Sqlite, "acme-dental", since, until);
    for query in &queries {
        let Some(calls) = plan(query, "calls").await else {
            return;
        };
        let period = "INDEX ix_calls_client_started (client_id=? AND started_at>? AND started_at<?)";
        assert!(calls[0].contains(period), "{}: {calls:?}", query.sql);
    }
    // The answered legs' waits: each call's legs by the call's id.
    let legs = plan(&queries[2], "call_legs").await.unwrap();
    assert!(
        legs[0].contains("USING INDEX ux_call_legs_call_id_step_number (call_id=?)"),
        "{legs:?}"
    );
}

#[tokio::test]
async fn each_filter_of_the_call_log_reads_through_an_index() {
    use switchboard::phone::NumberSearch;
    use switchboard::store::calls::{list_query, CallFilter};
    let acme = || Some(vec!["acme-dental".to_owned()]);
    let cases = [
        (
            CallFilter {
                caller: Some(NumberSearch::parse("0142").unwrap()),
                ..CallFilter::default()
            },
            "USING INDEX ix_calls_caller (from_digits_reversed>? AND from_digits_reversed<?)",
        ),
        (
            CallFilter {
                clients: acme(),
                caller: Some(NumberSearch::parse("(917) 555-0142").unwrap()),
                ..CallFilter::default()
            },
            "USING INDEX ix_calls_caller (from_digits_reversed>? AND from_digits_reversed<?)",
        ),
        (
            CallFilter {
                clients: acme(),
                outcome: Some("voicemail".into()),
                ..CallFilter::default()
            },
            // Common values: the client's calls newest first until the page is full.
            "USING INDEX ix_calls_client_started (client_id=?)",
        ),
        (
            CallFilter {
                clients: acme(),
                answered_by: Some("maria".into()),
                ..CallFilter::default()
            },
            "USING INDEX ix_calls_client_started (client_id=?)",
        ),
        (
            CallFilter {
                outcome: Some("missed".into()),
                ..CallFilter::default()
            },
            "USING INDEX ix_calls_started_sid",
        ),
    ];
    for (filter, index) in cases {
        let Some(calls) = plan(&list_query(DbBackend::Sqlite, &filter, 50), "calls").await else {
            return;
        };
        assert_eq!(calls.len(), 1, "{filter:?}: {calls:?}");
        assert!(calls[0].contains(index), "{filter:?}: {calls:?}");
    }
}

#[tokio::test]
async fn the_message_history_reads_through_an_index_by_client_and_by_recipient() {
    use switchboard::phone::NumberSearch;
    use switchboard::store::outbox::{list_query, MessageFilter};
    let cases = [
        (
            MessageFilter {
                clients: Some(vec!["acme-dental".into()]),
                ..MessageFilter::default()
            },
            "USING INDEX ix_outbox_client_id (client_id=?)",
        ),
        (
            MessageFilter {
                to: Some(NumberSearch::parse("2125550188").unwrap()),
                ..MessageFilter::default()
            },
            "USING INDEX ix_outbox_recipient (to_digits_reversed>? AND to_digits_reversed<?)",
        ),
        (MessageFilter::default(), "SCAN outbox"),
    ];
    for (filter, index) in cases {
        let Some(rows) = plan(&list_query(DbBackend::Sqlite, &filter, 100), "outbox").await else {
            return;
        };
        assert_eq!(rows.len(), 1, "{filter:?}: {rows:?}");
        assert!(rows[0].contains(index), "{filter:?}: {rows:?}");
    }
}

#[tokio::test]
async fn a_clients_text_figures_read_only_its_texts_of_the_period() {
    let (since, until) = (Utc::now() - chrono::Duration::days(365), Utc::now());
    let query = switchboard::store::stats::message_figures_query(DbBackend::Sqlite, "acme-dental", since, until);
    let Some(outbox) = plan(&query, "outbox").await else {
        return;
    };
    assert!(
        outbox[0].contains("INDEX ix_outbox_client_created (client_id=? AND created_at>? AND created_at<?)"),
        "{outbox:?}"
    );
    let statuses = plan(&query, "message_statuses").await.unwrap();
    assert!(statuses[0].contains("(message_sid=?)"), "{statuses:?}");
}

#[tokio::test]
async fn the_numbers_a_client_texted_most_are_counted_from_its_texts_of_the_period() {
    let (since, until) = (Utc::now() - chrono::Duration::days(365), Utc::now());
    let query = switchboard::store::stats::top_recipients_query(DbBackend::Sqlite, "acme-dental", since, until);
    let Some(outbox) = plan(&query, "outbox").await else {
        return;
    };
    assert_eq!(outbox.len(), 1, "{outbox:?}");
    assert!(
        outbox[0].contains("INDEX ix_outbox_client_created (client_id=? AND created_at>? AND created_at<?)"),
        "{outbox:?}"
    );
}

#[tokio::test]
async fn each_filter_of_the_audit_log_reads_through_an_index() {
    use switchboard::store::admin::{audit_log_query, AuditFilter};
    let now = Utc::now();
    let cases = [
        (
            AuditFilter {
                clients: Some(vec!["acme-dental".into()]),
                ..AuditFilter::default()
            },
            "USING INDEX ix_audit_client (client_id=?)",
        ),
        (
            AuditFilter {
                actor: Some("office-manager".into()),
                ..AuditFilter::default()
            },
            "USING INDEX ix_audit_actor (actor=?)",
        ),
        (
            AuditFilter {
                action: Some("rules.save".into()),
                ..AuditFilter::default()
            },
            "USING INDEX ix_audit_action (action=?)",
        ),
        (
            AuditFilter {
                since: Some(now - chrono::Duration::days(7)),
                until: Some(now),
                ..AuditFilter::default()
            },
            "USING INDEX ix_audit_at (at>? AND at<?)",
        ),
        (AuditFilter::default(), "SCAN audit_log"),
    ];
    for (filter, index) in cases {
        let Some(rows) = plan(&audit_log_query(DbBackend::Sqlite, &filter, 100), "audit_log").await else {
            return;
        };
        assert_eq!(rows.len(), 1, "{filter:?}: {rows:?}");
        assert!(rows[0].contains(index), "{filter:?}: {rows:?}");
    }
}

#[tokio::test]
async fn texts_received_are_read_newest_first_through_an_index_for_all_clients_and_for_one() {
    use switchboard::store::messages::{list_received_query, ReceivedFilter};
    let one = ReceivedFilter {
        clients: Some(vec!["acme-dental".into()]),
        ..ReceivedFilter::default()
    };
    let cases = [
        (one, "USING INDEX ix_inbound_messages_client_received (client_id=?)"),
        (ReceivedFilter::default(), "USING INDEX ix_inbound_messages_received"),
    ];
    for (filter, index) in cases {
        let Some(rows) = plan(
            &list_received_query(DbBackend::Sqlite, &filter, 100),
            "inbound_messages",
        )
        .await
        else {
            return;
        };
        assert_eq!(rows.len(), 1, "{filter:?}: {rows:?}");
        assert!(rows[0].contains(index), "{filter:?}: {rows:?}");
    }
}
