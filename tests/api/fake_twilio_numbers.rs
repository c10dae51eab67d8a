//! The fake Twilio's phone numbers and recording media: `AvailablePhoneNumbers/{Country}/Local.json`
//! (two numbers in the asked area code), `IncomingPhoneNumbers.json` (records what was bought,
//! with its webhook URLs), `Recordings/{sid}.mp3` (the bytes a test gave it, recording which
//! account fetched them) and `Messages/{sid}/Media/{sid}` (an MMS's attachment, with its type).
//! Parameter names are checked as for messages.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::{error, lock, one, Form, Refusal, Shared};

const SEARCH: &str = "GET /2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{CountryCode}/Local.json";
const PURCHASE: &str = "POST /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json";

#[derive(Default)]
pub(super) struct Numbers {
    recordings: HashMap<String, Vec<u8>>,
    /// (message SID, media SID) → (content type, bytes).
    media: HashMap<(String, String), (String, Vec<u8>)>,
    fetches: Vec<(String, String)>,
    bought: Vec<(String, Form)>,
}

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/2010-04-01/Accounts/{sid}/AvailablePhoneNumbers/{country}/Local.json",
            get(search),
        )
        .route("/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json", post(purchase))
        .route("/2010-04-01/Accounts/{sid}/Recordings/{file}", get(recording))
        .route(
            "/2010-04-01/Accounts/{sid}/Messages/{message}/Media/{media}",
            get(message_media),
        )
}

impl super::FakeTwilio {
    /// Serves `bytes` as `Recordings/{sid}.mp3`, to any known account.
    pub fn add_recording(&self, sid: &str, bytes: &[u8]) {
        lock(&self.state)
            .numbers
            .recordings
            .insert(sid.to_owned(), bytes.to_vec());
    }

    /// Serves `bytes` as attachment `media` of text `message`, typed `content_type`, to any
    /// known account; returns its address as Twilio gives it in the incoming-text webhook.
    pub fn add_media(&self, message: &str, media: &str, content_type: &str, bytes: &[u8]) -> String {
        let key = (message.to_owned(), media.to_owned());
        let value = (content_type.to_owned(), bytes.to_vec());
        lock(&self.state).numbers.media.insert(key, value);
        format!("https://api.twilio.com/2010-04-01/Accounts/AC11111111111111111111111111111111/Messages/{message}/Media/{media}")
    }

    /// (account SID, recording SID) of every recording served, oldest first.
    pub fn recording_fetches(&self) -> Vec<(String, String)> {
        lock(&self.state).numbers.fetches.clone()
    }

    /// (account SID, form) of every number bought, oldest first.
    pub fn numbers_bought(&self) -> Vec<(String, Vec<(String, String)>)> {
        lock(&self.state).numbers.bought.clone()
    }
}

async fn search(
    State(state): State<Shared>,
    Path((sid, country)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Json<Value>, Refusal> {
    let fake = lock(&state);
    let query = fake.check(&headers, &sid, SEARCH, query.unwrap_or_default().as_bytes())?;
    if country != "US" {
        return Err(error(404, 20404, "The requested resource was not found"));
    }
    let area = one(&query, "AreaCode").unwrap_or("555");
    let numbers: Vec<Value> = ["0101", "0102"]
        .iter()
        .map(|line| {
            json!({ "phone_number": format!("+1{area}555{line}"), "friendly_name": format!("({area}) 555-{line}"),
                "locality": "New York", "region": "NY", "iso_country": "US",
                "capabilities": { "voice": true, "sms": true, "mms": true, "fax": false } })
        })
        .collect();
    Ok(Json(json!({ "available_phone_numbers": numbers, "uri": "/fake" })))
}

async fn purchase(
    State(state): State<Shared>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Refusal> {
    let mut fake = lock(&state);
    let form = fake.check(&headers, &sid, PURCHASE, &body)?;
    let Some(number) = one(&form, "PhoneNumber").map(str::to_owned) else {
        return Err(error(400, 21421, "PhoneNumber is required."));
    };
    let pn = fake.next_sid("PN");
    fake.numbers.bought.push((sid.clone(), form));
    let json = json!({ "sid": pn, "account_sid": sid, "phone_number": number });
    Ok((StatusCode::CREATED, Json(json)).into_response())
}

async fn recording(
    State(state): State<Shared>,
    Path((sid, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, Refusal> {
    let mut fake = lock(&state);
    fake.authenticate(&headers, &sid)?;
    let recording = file.strip_suffix(".mp3").unwrap_or_default().to_owned();
    let Some(bytes) = fake.numbers.recordings.get(&recording).cloned() else {
        return Err(error(404, 20404, "The requested resource was not found"));
    };
    fake.numbers.fetches.push((sid, recording));
    Ok(([(header::CONTENT_TYPE, "audio/mpeg")], bytes).into_response())
}

async fn message_media(
    State(state): State<Shared>,
    Path((sid, message, media)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, Refusal> {
    let fake = lock(&state);
    fake.authenticate(&headers, &sid)?;
    let Some((content_type, bytes)) = fake.numbers.media.get(&(message, media)).cloned() else {
        return Err(error(404, 20404, "The requested resource was not found"));
    };
    Ok(([(header::CONTENT_TYPE, content_type)], bytes).into_response())
}
