//! Which version of the wire a client speaks. Phones stay installed for months while servers
//! move on: every request names the protocol its sender understands in the
//! `Relaydesk-Protocol` header, and every answer names the one it was served in. No header
//! means version 1 (phones from before the header). A client newer than the server is served
//! the newest the server knows, and can tell from the answer's header.

/// The request and response header naming a protocol version.
pub const PROTOCOL_HEADER: &str = "relaydesk-protocol";

/// The newest protocol this build speaks. Version 2 names automation as an actor (`by`,
/// authors and requesters may be a rule, a bot or the system) and lists the workspace's
/// automations in the copy; version 1 phones are served automation as colleagues
/// ([`super::older`]).
pub const PROTOCOL: u32 = 2;

/// The protocol a request is served in: the one it asks for, or the newest this build knows
/// if it asks for a newer one; version 1 when it names none. A header that is not a version
/// number from 1 up is refused, with why.
pub fn served(asked: Option<&str>) -> Result<u32, String> {
    let Some(asked) = asked else {
        return Ok(1);
    };
    match asked.trim().parse::<u32>() {
        Ok(0) | Err(_) => Err(format!(
            "the {PROTOCOL_HEADER} header names a protocol version: a whole number from 1 (this server speaks up to {PROTOCOL})"
        )),
        Ok(version) => Ok(version.min(PROTOCOL)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_old_phone_a_current_one_and_a_newer_one_are_each_served() {
        assert_eq!(served(None), Ok(1), "no header: a phone from before it");
        assert_eq!(served(Some("1")), Ok(1));
        assert_eq!(served(Some("2")), Ok(2));
        assert_eq!(served(Some(" 7 ")), Ok(PROTOCOL), "newer: the newest known");
        assert!(served(Some("0")).is_err());
        assert!(served(Some("v2")).unwrap_err().contains("whole number"));
    }
}
