//! `<Message>`: the messaging verb that sends an SMS reply (or, with `to`,
//! a message to someone else) from a webhook response.

use super::xml::{Element, Out};

/// Sends `body` (Twilio caps it at 1600 characters). Without `to`/`from` the
/// message answers the sender from the number that received the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    body: String,
    to: Option<String>,
    from: Option<String>,
    action: Option<String>,
    status_callback: Option<String>,
}

impl Message {
    #[must_use]
    pub fn new(body: impl Into<String>) -> Self {
        Self {
            body: body.into(),
            to: None,
            from: None,
            action: None,
            status_callback: None,
        }
    }

    #[must_use]
    pub fn to(mut self, to: impl Into<String>) -> Self {
        self.to = Some(to.into());
        self
    }

    /// A Twilio number, or an alphanumeric sender ID of 1–11 characters.
    #[must_use]
    pub fn from(mut self, from: impl Into<String>) -> Self {
        self.from = Some(from.into());
        self
    }

    /// Receives this reply's status. Twilio historically used `action` for SMS
    /// and `statusCallback` for MMS, and advises setting both to one URL.
    #[must_use]
    pub fn action(mut self, url: impl Into<String>) -> Self {
        self.action = Some(url.into());
        self
    }

    #[must_use]
    pub fn status_callback(mut self, url: impl Into<String>) -> Self {
        self.status_callback = Some(url.into());
        self
    }

    pub(super) fn write(&self, out: &mut Out) {
        Element::new("Message")
            .attr("to", self.to.as_deref())
            .attr("from", self.from.as_deref())
            .attr("action", self.action.as_deref())
            .attr("statusCallback", self.status_callback.as_deref())
            .text(out, &self.body);
    }
}

#[cfg(test)]
mod tests {
    use super::super::Response;
    use super::*;

    fn body(message: Message) -> String {
        let xml = Response::new().push(message).render();
        let start = xml.find("<Message").expect("a Message element");
        xml[start..xml.len() - "</Response>".len()].to_owned()
    }

    #[test]
    fn message_body_is_escaped() {
        assert_eq!(
            body(Message::new("Fish & chips <3")),
            "<Message>Fish &amp; chips &lt;3</Message>"
        );
    }

    #[test]
    fn message_renders_addressing_and_callbacks() {
        let xml = body(
            Message::new("Hi")
                .to("+14155550101")
                .from("+14155550100")
                .action("/sms/status?id=7&k=r")
                .status_callback("/sms/status"),
        );

        assert_eq!(
            xml,
            concat!(
                r#"<Message to="+14155550101" from="+14155550100" "#,
                r#"action="/sms/status?id=7&amp;k=r" statusCallback="/sms/status">Hi</Message>"#
            )
        );
    }
}
