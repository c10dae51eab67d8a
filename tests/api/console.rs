//! The admin console over plain HTTP (no browser): sessions, cookies, CSRF, tenancy.
//! What needs a browser is in `tests/browser`.

use reqwest::redirect::Policy;
use reqwest::StatusCode;

use crate::helpers::*;

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(Policy::none()).build().unwrap()
}

pub fn base(app: &TestApp) -> String {
    format!("http://127.0.0.1:{}", app.port)
}

/// Every `Set-Cookie` of a response.
fn set_cookies(r: &reqwest::Response) -> Vec<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// `name=value` of the first cookie set under `name`.
fn pair(cookies: &[String], name: &str) -> String {
    cookies
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie in {cookies:?}"))
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

pub fn csrf(html: &str) -> String {
    let start = html.find(r#"name="csrf" value=""#).expect("a form with a CSRF token") + r#"name="csrf" value=""#.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// Signs in through the sign-in form; returns the session's `Cookie` header value and
/// the `Set-Cookie` answer.
pub async fn sign_in(app: &TestApp, token: &str) -> (String, Vec<String>) {
    let http = client();
    let page = http.get(format!("{}/admin/sign-in", base(app))).send().await.unwrap();
    let nonce = pair(&set_cookies(&page), "sb_sign_in");
    let form_csrf = csrf(&page.text().await.unwrap());
    let r = http
        .post(format!("{}/admin/sign-in", base(app)))
        .header("cookie", &nonce)
        .form(&[("token", token), ("csrf", &form_csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookies = set_cookies(&r);
    (pair(&cookies, "sb_session"), cookies)
}

pub async fn get(app: &TestApp, path: &str, cookie: Option<&str>) -> (StatusCode, String) {
    let mut request = client().get(format!("{}{path}", base(app)));
    if let Some(c) = cookie {
        request = request.header("cookie", c);
    }
    let r = request.send().await.unwrap();
    let status = r.status();
    let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
    (status, location.unwrap_or(r.text().await.unwrap()))
}

#[tokio::test]
async fn console_pages_without_a_session_redirect_to_the_sign_in_page() {
    let app = spawn_app().await;
    for path in [
        "/admin/",
        "/admin/clients/acme-dental",
        "/admin/clients/acme-dental/rules",
        "/admin/calls",
        "/admin/messages",
    ] {
        assert_eq!(
            get(&app, path, None).await,
            (StatusCode::SEE_OTHER, "/admin/sign-in".to_owned()),
            "{path}"
        );
        let forged = get(&app, path, Some("sb_session=bm90LWEtdG9rZW4")).await;
        assert_eq!(forged, (StatusCode::SEE_OTHER, "/admin/sign-in".to_owned()), "{path}");
    }
}

#[tokio::test]
async fn signing_in_keeps_a_session_in_a_strict_http_only_cookie_scoped_to_the_console() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    let (session, cookies) = sign_in(&app, &token).await;
    let set = cookies.iter().find(|c| c.starts_with("sb_session=")).unwrap();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/admin", "Secure", "Max-Age=43200"] {
        assert!(set.split("; ").any(|f| f == flag), "{flag} missing from {set}");
    }
    let (status, page) = get(&app, "/admin/", Some(&session)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Acme Dental") && page.contains("Harbor"), "{page}");
}

#[tokio::test]
async fn over_plain_http_the_session_cookie_is_not_marked_secure() {
    let app = spawn_with(Options {
        without_public_url: true,
        ..Options::default()
    })
    .await;
    let token = app.admin_token(None).await;
    let (_, cookies) = sign_in(&app, &token).await;
    let set = cookies.iter().find(|c| c.starts_with("sb_session=")).unwrap();
    assert!(!set.contains("Secure"), "{set}");
}

#[tokio::test]
async fn a_wrong_token_or_a_sign_in_from_another_site_is_refused() {
    let app = spawn_app().await;
    let http = client();
    let page = http.get(format!("{}/admin/sign-in", base(&app))).send().await.unwrap();
    let nonce = pair(&set_cookies(&page), "sb_sign_in");
    let form_csrf = csrf(&page.text().await.unwrap());
    let wrong = http
        .post(format!("{}/admin/sign-in", base(&app)))
        .header("cookie", &nonce)
        .form(&[("token", "sb_not_a_token"), ("csrf", &form_csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(set_cookies(&wrong).iter().all(|c| !c.starts_with("sb_session=")));
    assert!(wrong.text().await.unwrap().contains("not valid"));
    // A form posted from elsewhere has no double-submit cookie to match.
    let token = app.admin_token(None).await;
    let forged = http
        .post(format!("{}/admin/sign-in", base(&app)))
        .form(&[("token", token.as_str()), ("csrf", &form_csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(set_cookies(&forged).iter().all(|c| !c.starts_with("sb_session=")));
}

#[tokio::test]
async fn a_form_without_the_sessions_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    let (session, _) = sign_in(&app, &token).await;
    let (_, page) = get(&app, "/admin/clients/acme-dental", Some(&session)).await;
    let good = csrf(&page);
    let url = format!("{}/admin/clients/acme-dental/assistants/maria/duty", base(&app));
    let other = app.admin_token(None).await;
    let (other_session, _) = sign_in(&app, &other).await;
    let (_, other_page) = get(&app, "/admin/clients/acme-dental", Some(&other_session)).await;
    for form in [
        vec![("on_duty", "false")],
        vec![("on_duty", "false"), ("csrf", "AAAA")],
        vec![("on_duty", "false"), ("csrf", csrf(&other_page).leak())],
    ] {
        let r = client()
            .post(&url)
            .header("cookie", &session)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{form:?}");
        assert!(r.text().await.unwrap().contains("did not come from this console"));
    }
    let off = switchboard::store::duty::off_duty(&app.db, "acme-dental")
        .await
        .unwrap();
    assert!(off.is_empty(), "{off:?}");
    let r = client()
        .post(&url)
        .header("cookie", &session)
        .form(&[("on_duty", "false"), ("csrf", &good)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let off = switchboard::store::duty::off_duty(&app.db, "acme-dental")
        .await
        .unwrap();
    assert_eq!(off, ["maria"]);
}

#[tokio::test]
async fn a_scoped_token_gets_404_for_another_clients_console_pages() {
    let app = spawn_app().await;
    let harbor = app.admin_token(Some("harbor-plumbing")).await;
    let (session, _) = sign_in(&app, &harbor).await;
    assert_eq!(
        get(&app, "/admin/", Some(&session)).await,
        (StatusCode::SEE_OTHER, "/admin/clients/harbor-plumbing".to_owned())
    );
    for path in [
        "/admin/clients/acme-dental",
        "/admin/clients/acme-dental/rules",
        "/admin/clients/acme-dental/rules/versions",
        "/admin/clients/acme-dental/rules/diff?from=1&to=1",
        "/admin/clients/acme-dental/try?at=2026-12-25T10:00",
        "/admin/calls?client=acme-dental",
        "/admin/messages?client=acme-dental",
        "/admin/clients/acme-dental/conversations/+12125550188",
        "/admin/clients/no-such-client",
    ] {
        let (status, page) = get(&app, path, Some(&session)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!page.contains("Acme"), "{path}: {page}");
    }
    let (_, page) = get(&app, "/admin/clients/harbor-plumbing", Some(&session)).await;
    let r = client()
        .post(format!(
            "{}/admin/clients/acme-dental/assistants/maria/duty",
            base(&app)
        ))
        .header("cookie", &session)
        .form(&[("on_duty", "false"), ("csrf", &csrf(&page))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    for path in ["/admin/clients/harbor-plumbing", "/admin/calls", "/admin/messages"] {
        assert_eq!(get(&app, path, Some(&session)).await.0, StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn signing_out_clears_the_cookie_and_ends_the_session_even_for_a_copy() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    let (session, _) = sign_in(&app, &token).await;
    let (_, page) = get(&app, "/admin/", Some(&session)).await;
    let r = client()
        .post(format!("{}/admin/sign-out", base(&app)))
        .header("cookie", &session)
        .form(&[("csrf", csrf(&page))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cleared = set_cookies(&r);
    let set = cleared.iter().find(|c| c.starts_with("sb_session=")).unwrap();
    assert!(set.starts_with("sb_session=;") && set.contains("Max-Age=0"), "{set}");
    assert_eq!(
        get(&app, "/admin/", Some(&session)).await,
        (StatusCode::SEE_OTHER, "/admin/sign-in".to_owned()),
        "the copied cookie no longer works"
    );
}

#[tokio::test]
async fn a_save_whose_own_tests_fail_keeps_the_text_and_marks_each_failing_line() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    let (session, _) = sign_in(&app, &token).await;
    let (_, page) = get(&app, "/admin/clients/acme-dental/rules", Some(&session)).await;
    let source = std::fs::read_to_string(example_rules().join("acme-dental.toml")).unwrap();
    // Two `[[tests]]` cases that no longer hold: Christmas rings Maria, lunch rings John.
    let holiday = "at = \"2026-12-25T10:00\"          # Christmas, a holiday\nexpect = [\"voicemail\"]";
    let lunch = "at = \"2026-12-01T12:45\"          # lunch break\nexpect = [\"voicemail\"]";
    assert!(source.contains(holiday) && source.contains(lunch));
    let edited = source
        .replace(holiday, &holiday.replace("[\"voicemail\"]", "[\"maria\"]"))
        .replace(lunch, &lunch.replace("[\"voicemail\"]", "[\"john\"]"));
    let line_of = |needle: &str| edited.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let r = client()
        .post(format!("{}/admin/clients/acme-dental/rules", base(&app)))
        .header("cookie", &session)
        .form(&[
            ("csrf", csrf(&page).as_str()),
            ("source", edited.as_str()),
            ("comment", "wrong tests"),
            ("action", "save"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("This change makes 2 checks in the file come out differently"),
        "{html}"
    );
    // Each is told in words, and marked at its case's `[[tests]]` line, just above its `at`.
    for (line, expected) in [
        (
            line_of("# lunch break") - 1,
            "<strong>now voicemail</strong>; the check expected ring John Park.",
        ),
        (
            line_of("# Christmas, a holiday") - 1,
            "<strong>now voicemail</strong>; the check expected ring Maria Lopez.",
        ),
    ] {
        assert!(
            html.contains(&format!(r#"<li id="line-{line}" class="error">"#)),
            "line {line}: {html}"
        );
        let check = html.split(&format!(r#"<li id="check-{line}">"#)).nth(1).unwrap();
        assert!(check.split("</li>").next().unwrap().contains(expected), "{check}");
        let note = html.split(&format!(r#"<li data-line="{line}">"#)).nth(1).unwrap();
        assert!(
            note.starts_with(r#"<span class="note">"#)
                && note.split("</li>").next().unwrap().contains("comes out differently")
        );
    }
    assert!(html.contains("[&quot;maria&quot;]"), "the admin's text is kept");
    let versions = switchboard::store::rule_versions::list(&app.db, "acme-dental", None, 10)
        .await
        .unwrap();
    assert_eq!(versions.len(), 1, "nothing saved");
}

#[tokio::test]
async fn the_console_plays_a_calls_voicemail_as_mp3_and_never_another_clients() {
    let fake = crate::fake_twilio::FakeTwilio::with_accounts(&[(TEST_ACCOUNT_SID, TEST_TOKEN)]).await;
    let app = spawn_with(Options {
        at: new_york(2026, 12, 1, 20, 0),
        twilio: Some(fake.url.clone()),
        ..Options::default()
    })
    .await;
    let (call, rec) = (
        "CA00000000000000000000000000000c02",
        "RE00000000000000000000000000000c02",
    );
    voicemail(&app, call, rec, "9").await;
    let mp3: &[u8] = b"ID3\x04\x00console mp3 \xff\xfb\x90\x00";
    fake.add_recording(rec, mp3);
    let path = format!("/admin/calls/{call}/recording");
    let acme = app.admin_token(Some("acme-dental")).await;
    let (session, _) = sign_in(&app, &acme).await;
    let r = client()
        .get(format!("{}{path}", base(&app)))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "audio/mpeg");
    assert_eq!(r.bytes().await.unwrap().as_ref(), mp3);
    let harbor = app.admin_token(Some("harbor-plumbing")).await;
    let (other, _) = sign_in(&app, &harbor).await;
    assert_eq!(get(&app, &path, Some(&other)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        get(&app, &format!("/admin/calls/{call}"), Some(&other)).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        fake.recording_fetches().len(),
        1,
        "another client's request never reaches Twilio"
    );
}

#[tokio::test]
async fn trying_a_call_uses_the_editors_draft_when_posted_from_it_and_explains_a_bad_time() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    let (session, _) = sign_in(&app, &token).await;
    let (_, page) = get(&app, "/admin/clients/acme-dental/rules", Some(&session)).await;
    let source = std::fs::read_to_string(example_rules().join("acme-dental.toml")).unwrap();
    let draft = source.replacen("ring_seconds = 20", "ring_seconds = 7", 1);
    let tuesday = [("at", "2026-12-01T10:00"), ("from", CALLER)];
    let url = format!("{}/admin/clients/acme-dental/try", base(&app));
    let mut form = vec![("csrf", csrf(&page)), ("source", draft.clone())];
    form.extend(tuesday.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let r = client()
        .post(&url)
        .header("cookie", &session)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let tried = r.text().await.unwrap();
    assert!(tried.contains("Trying the text from the editor"), "{tried}");
    assert!(
        tried.contains("When (New York time)"),
        "the zone as people say it: {tried}"
    );
    assert!(tried.contains("for 7 seconds"), "{tried}");
    let (status, current) = get(
        &app,
        "/admin/clients/acme-dental/try?at=2026-12-01T10:00&from=%2B15557654321",
        Some(&session),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        current.contains("for 20 seconds") && !current.contains("for 7 seconds"),
        "{current}"
    );
    let (status, bad) = get(&app, "/admin/clients/acme-dental/try?at=tomorrow", Some(&session)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(bad.contains("`tomorrow` is not a time"), "{bad}");
}

#[tokio::test]
async fn every_console_page_carries_a_strict_content_security_policy_and_signed_in_pages_are_not_stored() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    let (session, _) = sign_in(&app, &token).await;

    for (path, cookie) in [
        ("/admin/sign-in", None),
        ("/admin/", Some(&session)),
        ("/admin/clients/acme-dental/rules", Some(&session)),
        ("/admin/calls", Some(&session)),
    ] {
        let mut request = client().get(format!("{}{path}", base(&app)));
        if let Some(c) = cookie {
            request = request.header("cookie", c.as_str());
        }
        let r = request.send().await.unwrap();
        let header = |name: &str| {
            r.headers()
                .get(name)
                .unwrap_or_else(|| panic!("{path}: no {name}"))
                .to_str()
                .unwrap()
                .to_owned()
        };
        let csp = header("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("referrer-policy"), "same-origin", "{path}");
        assert_eq!(header("cache-control"), "no-store", "{path}");
        let html = r.text().await.unwrap();
        // What the policy would block: an inline script or style.
        assert!(
            !html.contains("<script>") && !html.contains("<style") && !html.contains("style="),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_console_form_posted_from_another_site_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    let (session, _) = sign_in(&app, &token).await;
    let (_, page) = get(&app, "/admin/clients/acme-dental", Some(&session)).await;
    let url = format!("{}/admin/clients/acme-dental/assistants/maria/duty", base(&app));
    let post = |origin: &'static str| {
        client()
            .post(&url)
            .header("cookie", &session)
            .header("origin", origin)
            .form(&[("on_duty", "false"), ("csrf", &csrf(&page))])
            .send()
    };

    let refused = post("https://evil.example").await.unwrap();
    let refused_status = refused.status();
    let message = refused.text().await.unwrap();
    let off_after_refusal = switchboard::store::duty::off_duty(&app.db, "acme-dental")
        .await
        .unwrap();
    let accepted = post(PUBLIC_URL).await.unwrap().status();

    assert_eq!(refused_status, StatusCode::FORBIDDEN);
    assert!(message.contains("sent from another site"), "{message}");
    assert!(off_after_refusal.is_empty(), "{off_after_refusal:?}");
    assert_eq!(accepted, StatusCode::SEE_OTHER, "the console's own origin is accepted");
}

#[tokio::test]
async fn each_sign_in_gets_a_new_random_session_id_that_is_neither_the_token_nor_an_api_token() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;

    let (first, _) = sign_in(&app, &token).await;
    let (second, _) = sign_in(&app, &token).await;
    let id = first.trim_start_matches("sb_session=");
    let (as_bearer, _) = app.api("GET", "/api/clients", Some(id), None).await;

    assert_ne!(first, second);
    let encoded = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &token);
    assert!(!first.contains(&token) && !first.contains(&encoded), "{first}");
    assert_eq!(as_bearer, 401, "a copied cookie is no API token");
    for session in [&first, &second] {
        assert_eq!(get(&app, "/admin/", Some(session)).await.0, StatusCode::OK);
    }
}

#[tokio::test]
async fn revoking_the_token_ends_its_console_sessions() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    let (session, _) = sign_in(&app, &token).await;
    let row = switchboard::store::admin::find_token(&app.db, &token)
        .await
        .unwrap()
        .unwrap();

    switchboard::store::admin::revoke_token(&app.db, row.id, app.clock_now())
        .await
        .unwrap();

    assert_eq!(
        get(&app, "/admin/", Some(&session)).await,
        (StatusCode::SEE_OTHER, "/admin/sign-in".to_owned())
    );
}

#[tokio::test]
async fn a_session_ends_after_half_an_hour_idle_and_twelve_hours_after_sign_in_however_busy() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    let signed_out = (StatusCode::SEE_OTHER, "/admin/sign-in".to_owned());

    let (idle, _) = sign_in(&app, &token).await;
    app.advance(29 * 60);
    let after_29_minutes = get(&app, "/admin/", Some(&idle)).await.0;
    app.advance(31 * 60);
    let after_31_more_idle = get(&app, "/admin/", Some(&idle)).await;

    let (busy, _) = sign_in(&app, &token).await;
    let mut busy_answers = Vec::new();
    for _ in 0..35 {
        app.advance(20 * 60);
        busy_answers.push(get(&app, "/admin/", Some(&busy)).await.0);
    }
    app.advance(20 * 60);
    let at_twelve_hours = get(&app, "/admin/", Some(&busy)).await;

    assert_eq!(after_29_minutes, StatusCode::OK);
    assert_eq!(after_31_more_idle, signed_out, "idle for 31 minutes");
    assert!(busy_answers.iter().all(|s| *s == StatusCode::OK), "{busy_answers:?}");
    assert_eq!(at_twelve_hours, signed_out, "12 hours after signing in");
}

/// The `href` of the link whose text is `text`, unescaped as a browser would follow it.
fn link(page: &str, text: &str) -> Option<String> {
    let end = page.find(&format!("\">{text}</a>"))?;
    let start = page[..end].rfind("href=\"")? + "href=\"".len();
    Some(page[start..end].replace("&amp;", "&"))
}

#[tokio::test]
async fn the_call_log_and_the_texts_sent_page_on_to_older_ones_keeping_the_filter() {
    let app = spawn_app().await;
    let sid = |n: usize| format!("CA00000000000000000000000000{n:06}");
    for n in 0..51 {
        app.advance(60);
        app.call(&sid(n), ACME).await.assert_twiml();
    }
    let token = app.admin_token(Some("acme-dental")).await;
    let (session, _) = sign_in(&app, &token).await;
    let (_, first) = get(&app, "/admin/calls?client=acme-dental", Some(&session)).await;
    assert!(
        first.contains(&sid(50)) && !first.contains(&sid(0)),
        "the newest 50 first"
    );
    let older = link(&first, "Older calls").expect("a link to older calls");
    assert!(older.contains("client=acme-dental"), "{older}");
    let (_, second) = get(&app, &older, Some(&session)).await;
    assert!(second.contains(&sid(0)) && !second.contains(&sid(50)), "{second}");
    assert!(link(&second, "Older calls").is_none(), "the last page says no more");

    let (_, texts) = get(&app, "/admin/messages", Some(&session)).await;
    assert!(link(&texts, "Older alerts").is_none(), "no older alerts: {texts}");
}

#[tokio::test]
async fn a_conversation_pages_back_to_earlier_texts() {
    let app = spawn_app().await;
    let body = |n: usize| format!("Message #{n:03}");
    // A text a day, so each gets the automatic reply (one a day at most): 26 texts in, 26 out.
    for n in 0..26 {
        app.advance(24 * 3600 + 1);
        let sid = format!("SM00000000000000000000000000{n:06}");
        let text = body(n);
        let params = [
            ("MessageSid", sid.as_str()),
            ("From", CALLER),
            ("To", ACME),
            ("Body", text.as_str()),
            ("NumMedia", "0"),
        ];
        app.post("/twilio/sms", &params).await.assert_twiml();
    }
    let token = app.admin_token(Some("acme-dental")).await;
    let (session, _) = sign_in(&app, &token).await;
    let (_, messages) = get(&app, "/admin/messages", Some(&session)).await;
    let conversation = format!("/admin/clients/acme-dental/conversations/{CALLER}");
    assert!(messages.contains(&format!("href=\"{conversation}\"")), "{messages}");
    let (_, first) = get(&app, &conversation, Some(&session)).await;
    assert!(
        first.contains(&body(25)) && first.contains(&body(1)) && !first.contains(&body(0)),
        "the latest 50 texts: {first}"
    );
    let earlier = link(&first, "Earlier texts").expect("a link to earlier texts");
    let (_, second) = get(&app, &earlier, Some(&session)).await;
    assert!(second.contains(&body(0)) && !second.contains(&body(1)), "{second}");
    assert!(link(&second, "Earlier texts").is_none(), "the first texts say no more");
}

#[tokio::test]
async fn the_rules_versions_page_on_to_older_ones() {
    let app = spawn_app().await;
    let token = app.admin_token(Some("acme-dental")).await;
    let text = std::fs::read_to_string(example_rules().join("acme-dental.toml")).unwrap();
    for n in 2..=51 {
        let edited = serde_json::Value::String(format!("{text}\n# edit {n}\n"));
        let (status, _) = app
            .api("PUT", "/api/clients/acme-dental/rules", Some(&token), Some(edited))
            .await;
        assert_eq!(status, 200);
    }
    let (session, _) = sign_in(&app, &token).await;
    let (_, first) = get(&app, "/admin/clients/acme-dental/rules/versions", Some(&session)).await;
    assert!(
        first.contains("Roll back to version 2<") && !first.contains("Roll back to version 1<"),
        "the newest 50"
    );
    let older = link(&first, "Older versions").expect("a link to older versions");
    let (_, second) = get(&app, &older, Some(&session)).await;
    assert!(second.contains("Roll back to version 1<"), "{second}");
    assert!(link(&second, "Older versions").is_none(), "the last page says no more");
}

#[tokio::test]
async fn the_numbers_that_opted_out_page_on_to_older_ones() {
    let app = spawn_app().await;
    for n in 0..101 {
        app.advance(1);
        let sid = format!("SM00000000000000000000000000{n:06}");
        let from = format!("+1212555{n:04}");
        let params = [
            ("MessageSid", sid.as_str()),
            ("From", from.as_str()),
            ("To", ACME),
            ("Body", "STOP"),
            ("NumMedia", "0"),
        ];
        app.post("/twilio/sms", &params).await.assert_twiml();
    }
    let token = app.admin_token(Some("acme-dental")).await;
    let (session, _) = sign_in(&app, &token).await;
    let opted_out = |page: &str| page.split("id=\"optouts-h\"").nth(1).unwrap().to_owned();
    let (_, first) = get(&app, "/admin/messages", Some(&session)).await;
    let listed = opted_out(&first);
    assert!(
        listed.contains("(212) 555-0100<") && !listed.contains("(212) 555-0000<"),
        "the latest 100 first"
    );
    let more = link(&first, "More numbers that opted out").expect("a link to more");
    let (_, second) = get(&app, &more, Some(&session)).await;
    let listed = opted_out(&second);
    assert!(
        listed.contains("(212) 555-0000<") && !listed.contains("(212) 555-0001<"),
        "{listed}"
    );
    assert!(link(&second, "More numbers that opted out").is_none());
}

#[tokio::test]
async fn calls_read_in_words_with_names_businesses_and_lengths() {
    let app = spawn_app().await;
    const SID: &str = "CA0000000000000000000000000000e501";
    let first = app.call(SID, ACME).await;
    let action = first.first("Dial").attr("action").unwrap().to_owned();
    // Maria's phone rings 20 s.
    app.advance(20);
    let second = app
        .dial_result(&action, SID, ACME, "no-answer", "CA0000000000000000000000000000e502")
        .await;
    let action = second.first("Dial").attr("action").unwrap().to_owned();
    app.advance(12);
    let third = app
        .dial_result(&action, SID, ACME, "no-answer", "CA0000000000000000000000000000e503")
        .await;
    let action = third.first("Dial").attr("action").unwrap().to_owned();
    app.dial_result(&action, SID, ACME, "completed", "CA0000000000000000000000000000e504")
        .await;
    let ended = [
        ("CallSid", SID),
        ("From", CALLER),
        ("To", ACME),
        ("CallStatus", "completed"),
        ("CallDuration", "468"),
    ];
    app.post("/twilio/voice/status", &ended).await;

    let token = app.admin_token(None).await;
    let (session, _) = sign_in(&app, &token).await;
    let (_, list) = get(&app, "/admin/calls", Some(&session)).await;
    for expected in [
        "<th>Business</th>",
        ">Acme Dental</td>",
        "<span class=\"badge open\">Answered</span>",
        ">the outside number</td>",
        ">7:48</td>",
        "<span class=\"number\">+1 555-765-4321</span>",
        "EST",
    ] {
        assert!(list.contains(expected), "{expected} in {list}");
    }
    let (_, one) = get(&app, &format!("/admin/calls/{SID}"), Some(&session)).await;
    for expected in [
        ">Maria Lopez</td>",
        ">John Park</td>",
        ">rang 20 s, no answer</td>",
        ">rang 12 s, no answer</td>",
        ">took the call</td>",
        "(212) 555-0111",
    ] {
        assert!(one.contains(expected), "{expected} in {one}");
    }
    assert!(!one.contains("Follow-up"), "an answered call needs none: {one}");
    let (_, mine) = get(&app, "/admin/calls?client=acme-dental", Some(&session)).await;
    assert!(!mine.contains("<th>Business</th>"), "one business: no column for it");
}

#[tokio::test]
async fn rolling_back_asks_first_shows_what_changes_and_keeps_the_reason() {
    let app = spawn_app().await;
    let token = app.admin_token(Some("acme-dental")).await;
    let text = std::fs::read_to_string(example_rules().join("acme-dental.toml")).unwrap();
    let edited = serde_json::Value::String(text.replacen("ring_seconds = 20", "ring_seconds = 15", 1));
    let (status, _) = app
        .api("PUT", "/api/clients/acme-dental/rules", Some(&token), Some(edited))
        .await;
    assert_eq!(status, 200);
    let (session, _) = sign_in(&app, &token).await;
    let (_, versions) = get(&app, "/admin/clients/acme-dental/rules/versions", Some(&session)).await;
    assert!(
        versions.contains("imported from the file acme-dental.toml"),
        "{versions}"
    );
    assert!(!versions.contains("file:/"), "no paths");
    let (status, page) = get(
        &app,
        "/admin/clients/acme-dental/rules/rollback?version=1",
        Some(&session),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Roll back to version 1?"));
    assert!(page.contains("becomes the rules in use from the next call on"));
    assert!(
        page.contains("ring_seconds = 20") && page.contains("ring_seconds = 15"),
        "what changes"
    );
    let before = switchboard::store::rule_versions::list(&app.db, "acme-dental", None, 10)
        .await
        .unwrap();
    assert_eq!(before.len(), 2, "asking changes nothing");
    let r = client()
        .post(format!("{}/admin/clients/acme-dental/rules/rollback", base(&app)))
        .header("cookie", &session)
        .form(&[
            ("csrf", csrf(&page).as_str()),
            ("version", "1"),
            ("comment", "15 s was too short"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let saved = switchboard::store::rule_versions::find(&app.db, "acme-dental", 3)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        saved.meta.comment.as_deref(),
        Some("rollback to version 1: 15 s was too short")
    );
}

#[tokio::test]
async fn the_today_figures_add_up_to_the_calls_with_those_not_finished() {
    let app = spawn_with(Options {
        at: new_york(2026, 12, 1, 20, 0),
        ..Options::default()
    })
    .await;
    voicemail(
        &app,
        "CA00000000000000000000000000000d01",
        "RE00000000000000000000000000000d01",
        "9",
    )
    .await;
    // Still at the greeting: no final status yet.
    app.call("CA00000000000000000000000000000d02", ACME).await;
    let token = app.admin_token(Some("acme-dental")).await;
    let (session, _) = sign_in(&app, &token).await;
    let (_, page) = get(&app, "/admin/clients/acme-dental", Some(&session)).await;
    assert!(page.contains("(212) 555-0111"), "Maria's phone as people write it");
    for (label, figure) in [("Calls", 2), ("Voicemails", 1), ("Not finished", 1)] {
        assert!(
            page.contains(&format!("<dt>{label}</dt><dd>{figure}</dd>")),
            "{label}: {figure} in {page}"
        );
    }
}
