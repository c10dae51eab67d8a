//! Writes signed incoming-call webhooks for `bench/load.sh`, one per line as
//! `signature<TAB>body`: realistic
//! Twilio parameter sets, a distinct CallSid each, signed with the local-mode token for
//! the given URL (wrk's Lua cannot compute HMAC-SHA1 itself).
//! Run: `cargo run --release --example load_requests -- COUNT URL TO > requests.tsv`.

#[path = "support/call_sid.rs"]
mod call_sid;

use switchboard::app::settings::{LOCAL_ACCOUNT_SID, LOCAL_AUTH_TOKEN};

fn main() {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().and_then(|c| c.parse().ok()).unwrap_or(20_000);
    let url = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:18180/twilio/voice".into());
    let to = args.next().unwrap_or_else(|| "+12125550100".into());
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for n in 0..count {
        let sid = call_sid::unordered(n as u64);
        let from = format!("+1646555{:04}", n % 10_000);
        let params: Vec<(String, String)> = [
            ("AccountSid", LOCAL_ACCOUNT_SID),
            ("ApiVersion", "2010-04-01"),
            ("CallSid", &sid),
            ("CallStatus", "ringing"),
            ("Called", &to),
            ("CalledCity", "NEW YORK"),
            ("CalledCountry", "US"),
            ("CalledState", "NY"),
            ("CalledZip", ""),
            ("Caller", &from),
            ("CallerCity", ""),
            ("CallerCountry", "US"),
            ("CallerState", "NY"),
            ("CallerZip", ""),
            ("Direction", "inbound"),
            ("From", &from),
            ("FromCity", ""),
            ("FromCountry", "US"),
            ("FromState", "NY"),
            ("FromZip", ""),
            ("StirVerstat", "TN-Validation-Passed-A"),
            ("To", &to),
            ("ToCity", "NEW YORK"),
            ("ToCountry", "US"),
            ("ToState", "NY"),
            ("ToZip", ""),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let signature = switchboard::twilio::signature::compute(LOCAL_AUTH_TOKEN, &url, &params);
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&params)
            .finish();
        writeln!(out, "{signature}\t{body}").expect("stdout is writable");
    }
}
