//! Where Twilio reaches us: every webhook path, spelled once (the routers in `http` and the
//! URLs we hand to Twilio both use these), and [`Links`], which builds those URLs.

pub const PATH_VOICE: &str = "/twilio/voice";
/// The seed's name for [`PATH_VOICE`], still served.
pub const PATH_VOICE_ALIAS: &str = "/api/twilio/incoming-call-handler";
pub const PATH_FALLBACK: &str = "/twilio/voice/fallback";
pub const PATH_SMS: &str = "/twilio/sms";
/// The seed's name for [`PATH_SMS`], still served.
pub const PATH_SMS_ALIAS: &str = "/api/twilio/incoming-sms";
pub const PATH_NEXT: &str = "/twilio/voice/next";
pub const PATH_SCREEN: &str = "/twilio/voice/screen";
pub const PATH_VOICEMAIL: &str = "/twilio/voice/voicemail";
/// The seed's name for [`PATH_VOICEMAIL`], still served.
pub const PATH_VOICEMAIL_ALIAS: &str = "/api/twilio/voicemail-complete";
pub const PATH_RECORDING: &str = "/twilio/voice/recording";
pub const PATH_TRANSCRIPTION: &str = "/twilio/voice/transcription";
pub const PATH_STATUS: &str = "/twilio/voice/status";
/// The seed's name for [`PATH_STATUS`], still served.
pub const PATH_STATUS_ALIAS: &str = "/api/twilio/call-status";
/// A queue's wait loop (`<Enqueue waitUrl>`): hold music, the caller's place, and keys.
pub const PATH_QUEUE_WAIT: &str = "/twilio/voice/queue/wait";
/// A key pressed while waiting in a queue.
pub const PATH_QUEUE_KEY: &str = "/twilio/voice/queue/key";
/// The call that offers a waiting caller (or a call back) to an assistant.
pub const PATH_QUEUE_ANSWER: &str = "/twilio/voice/queue/answer";
/// The `<Queue url>` of an assistant's `<Dial><Queue>`, on the call of the caller Twilio
/// took from the front of the queue, just before the two are bridged.
pub const PATH_QUEUE_BRIDGE: &str = "/twilio/voice/queue/bridge";
/// The `<Dial action>` of a call back.
pub const PATH_QUEUE_CALLBACK: &str = "/twilio/voice/queue/callback";
pub const PATH_SMS_STATUS: &str = "/twilio/sms/status";
/// Where an assistant's link to one call points, followed by the link's secret.
pub const PATH_CALL_LINK: &str = "/l/";

/// Builds the callback URLs we hand to Twilio: absolute under the public URL when one
/// is configured (Twilio's advice), relative to the request otherwise.
#[derive(Debug, Clone, Default)]
pub struct Links {
    base: String,
    /// Where people open the admin console: the public URL, or the listen address.
    console: String,
}

impl Links {
    pub fn new(public_url: Option<&url::Url>) -> Self {
        let base = public_url
            .map(|u| u.as_str().trim_end_matches('/').to_owned())
            .unwrap_or_default();
        Self {
            console: base.clone(),
            base,
        }
    }

    /// Links for people (not Twilio) go here when there is no public URL.
    #[must_use]
    pub fn with_local_console(mut self, listen: std::net::SocketAddr) -> Self {
        if self.console.is_empty() {
            self.console = format!("http://{listen}");
        }
        self
    }

    /// A link that opens one call for an assistant (`assistants::links`), for alert messages.
    pub fn call_link(&self, token: &str) -> String {
        format!("{}{PATH_CALL_LINK}{token}", self.console)
    }

    /// A callback URL for requests we make to Twilio's REST API; only with a public
    /// URL, since Twilio needs an absolute one there.
    pub fn absolute(&self, path: &str) -> Option<String> {
        (!self.base.is_empty()).then(|| format!("{}{path}", self.base))
    }

    pub fn url(&self, path: &str, query: &str) -> String {
        if query.is_empty() {
            format!("{}{path}", self.base)
        } else {
            format!("{}{path}?{query}", self.base)
        }
    }
}
