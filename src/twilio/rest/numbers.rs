//! Phone numbers: search an account's available local numbers
//! (`GET AvailablePhoneNumbers/{CountryCode}/Local.json`) and buy one with its webhooks set
//! (`POST IncomingPhoneNumbers.json`). Which number to buy, and where its webhooks point, is
//! the caller's business.

use serde::Deserialize;

use super::{read_error, Account, SendError, TwilioClient};

/// Every query parameter [`TwilioClient::search_local_numbers`] may send.
pub const SEARCH_QUERY: &[&str] = &["AreaCode", "PageSize"];
/// Every form field [`TwilioClient::buy_number`] may send.
pub const PURCHASE_FIELDS: &[&str] = &[
    "PhoneNumber",
    "VoiceUrl",
    "VoiceMethod",
    "VoiceFallbackUrl",
    "StatusCallback",
    "SmsUrl",
];

/// A page of this many is plenty to choose from, and keeps Twilio's answer small.
const SEARCH_PAGE: &str = "20";

/// One number Twilio offers.
#[derive(Debug, Clone, Deserialize)]
pub struct AvailableNumber {
    pub phone_number: String,
    pub friendly_name: Option<String>,
    pub locality: Option<String>,
    pub region: Option<String>,
    pub iso_country: Option<String>,
    #[serde(default)]
    pub capabilities: Capabilities,
}

/// The spec writes these in lower case; the live API has been seen answering `SMS` and `MMS`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Capabilities {
    #[serde(default)]
    pub voice: bool,
    #[serde(default, alias = "SMS")]
    pub sms: bool,
    #[serde(default, alias = "MMS")]
    pub mms: bool,
}

/// What to buy and where Twilio should send its calls, texts and call statuses. The URLs must
/// be absolute.
pub struct Purchase<'a> {
    pub phone_number: &'a str,
    pub voice_url: &'a str,
    pub voice_fallback_url: &'a str,
    pub status_callback: &'a str,
    pub sms_url: &'a str,
}

/// An IncomingPhoneNumber resource, as far as we read it.
#[derive(Debug, Clone, Deserialize)]
pub struct IncomingNumber {
    pub sid: String,
    pub phone_number: String,
}

impl TwilioClient {
    /// GET AvailablePhoneNumbers/{country}/Local.json with `AreaCode` when given.
    ///
    /// # Errors
    /// [`SendError`]; a search is safe to repeat, so transport failures are `Retryable`. An
    /// unknown country is `Rejected` with 404.
    #[tracing::instrument(name = "twilio.search_local_numbers", skip_all, fields(account_sid = %account.sid))]
    pub async fn search_local_numbers(
        &self,
        account: &Account,
        country: &str,
        area_code: Option<&str>,
    ) -> Result<Vec<AvailableNumber>, SendError> {
        #[derive(Deserialize)]
        struct Page {
            available_phone_numbers: Vec<AvailableNumber>,
        }
        let mut url = self.endpoint(account, &["AvailablePhoneNumbers", country, "Local.json"])?;
        url.query_pairs_mut().extend_pairs(search_query(area_code));
        let page: Page = self.execute(account, self.http.get(url)).await.map_err(read_error)?;
        Ok(page.available_phone_numbers)
    }

    /// POST IncomingPhoneNumbers.json: buys the number, its webhooks already pointing at us.
    ///
    /// # Errors
    /// [`SendError`]; `Ambiguous` means the number may have been bought, so look at the account
    /// before trying again.
    #[tracing::instrument(name = "twilio.buy_number", skip_all, fields(account_sid = %account.sid))]
    pub async fn buy_number(&self, account: &Account, purchase: &Purchase<'_>) -> Result<IncomingNumber, SendError> {
        let url = self.endpoint(account, &["IncomingPhoneNumbers.json"])?;
        let form = purchase_form(purchase);
        self.execute(account, self.http.post(url).form(&form)).await
    }
}

pub(super) fn search_query(area_code: Option<&str>) -> Vec<(&'static str, &str)> {
    let mut query: Vec<_> = area_code.map(|code| ("AreaCode", code)).into_iter().collect();
    query.push(("PageSize", SEARCH_PAGE));
    query
}

pub(super) fn purchase_form<'a>(p: &Purchase<'a>) -> [(&'static str, &'a str); 6] {
    [
        ("PhoneNumber", p.phone_number),
        ("VoiceUrl", p.voice_url),
        // Twilio's default is POST too; saying so keeps the number right if that ever changes.
        ("VoiceMethod", "POST"),
        ("VoiceFallbackUrl", p.voice_fallback_url),
        ("StatusCallback", p.status_callback),
        ("SmsUrl", p.sms_url),
    ]
}
