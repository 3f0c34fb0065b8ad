//! WhatsApp templates from Meta: `GET /{waba-id}/message_templates`, every page, read into the
//! domain's [`Template`]. Templates whose shape we cannot send yet (media or location headers,
//! carousels, flows …) are skipped with the reason, never half-read.

use std::time::Duration;

use relaydesk_core::domain::{
    Template, TemplateButton, TemplateCategory, TemplateId, TemplateStatus,
};
use serde::Deserialize;

use super::GraphApi;

/// One page of Meta's answer.
#[derive(Debug, Deserialize)]
pub struct Page {
    #[serde(default)]
    pub data: Vec<Listed>,
    #[serde(default)]
    pub paging: Option<Paging>,
}

#[derive(Debug, Deserialize)]
pub struct Paging {
    pub next: Option<String>,
}

/// A template as Meta lists it.
#[derive(Debug, Deserialize)]
pub struct Listed {
    pub name: String,
    pub language: String,
    pub status: String,
    pub category: String,
    #[serde(default)]
    pub components: Vec<Component>,
}

#[derive(Debug, Deserialize)]
pub struct Component {
    #[serde(rename = "type")]
    pub kind: String,
    pub format: Option<String>,
    pub text: Option<String>,
    #[serde(default)]
    pub buttons: Vec<Button>,
}

#[derive(Debug, Deserialize)]
pub struct Button {
    #[serde(rename = "type")]
    pub kind: String,
    pub text: Option<String>,
    pub url: Option<String>,
    pub phone_number: Option<String>,
}

/// Meta's listing read: the templates we can send, and what was skipped and why.
#[derive(Debug, Default, PartialEq)]
pub struct Read {
    pub templates: Vec<Template>,
    pub skipped: Vec<String>,
}

fn status(raw: &str) -> TemplateStatus {
    match raw.to_ascii_uppercase().as_str() {
        "APPROVED" => TemplateStatus::Approved,
        "PAUSED" => TemplateStatus::Paused,
        "REJECTED" => TemplateStatus::Rejected,
        "DISABLED" | "DELETED" | "PENDING_DELETION" | "ARCHIVED" | "LIMIT_EXCEEDED" => {
            TemplateStatus::Disabled
        }
        // PENDING, IN_APPEAL and whatever Meta adds later: not sendable yet.
        _ => TemplateStatus::Pending,
    }
}

fn category(raw: &str) -> Option<TemplateCategory> {
    match raw.to_ascii_uppercase().as_str() {
        "MARKETING" => Some(TemplateCategory::Marketing),
        "UTILITY" => Some(TemplateCategory::Utility),
        "AUTHENTICATION" => Some(TemplateCategory::Authentication),
        _ => None,
    }
}

/// One listed template as ours, or why not.
pub fn convert(listed: &Listed, waba_id: &str) -> Result<Template, String> {
    let category = category(&listed.category)
        .ok_or_else(|| format!("the category {} is unknown", listed.category))?;
    let mut template = Template {
        id: TemplateId::new(),
        waba_id: waba_id.to_owned(),
        name: listed.name.clone(),
        language: listed.language.clone(),
        category,
        status: status(&listed.status),
        header: None,
        body: String::new(),
        footer: None,
        buttons: Vec::new(),
    };
    for component in &listed.components {
        match component.kind.to_ascii_uppercase().as_str() {
            "HEADER" => {
                let format = component.format.as_deref().unwrap_or("TEXT");
                if !format.eq_ignore_ascii_case("TEXT") {
                    return Err(format!("a {format} header is not supported yet"));
                }
                template.header = component.text.clone();
            }
            "BODY" => template.body = component.text.clone().unwrap_or_default(),
            "FOOTER" => template.footer = component.text.clone(),
            "BUTTONS" => {
                for button in &component.buttons {
                    let text = button.text.clone().unwrap_or_default();
                    template
                        .buttons
                        .push(match button.kind.to_ascii_uppercase().as_str() {
                            "QUICK_REPLY" => TemplateButton::QuickReply { text },
                            "URL" => TemplateButton::Url {
                                text,
                                url: button.url.clone().unwrap_or_default(),
                            },
                            "PHONE_NUMBER" => TemplateButton::PhoneNumber {
                                text,
                                phone: button.phone_number.clone().unwrap_or_default(),
                            },
                            other => return Err(format!("a {other} button is not supported yet")),
                        });
                }
            }
            other => return Err(format!("a {other} component is not supported yet")),
        }
    }
    if template.body.is_empty() {
        return Err("it has no body".into());
    }
    Ok(template)
}

/// Reads one page into `read`.
pub fn read_page(page: &Page, waba_id: &str, read: &mut Read) {
    for listed in &page.data {
        match convert(listed, waba_id) {
            Ok(template) => read.templates.push(template),
            Err(why) => read
                .skipped
                .push(format!("{} ({}): {why}", listed.name, listed.language)),
        }
    }
}

/// Most pages followed for one account (100 templates each): a loop guard, far above
/// Meta's per-account template limit.
const MAX_PAGES: usize = 100;

/// Fetches every template of `waba_id`.
pub async fn fetch(graph: &GraphApi, waba_id: &str) -> Result<Read, String> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| e.to_string())?;
    let mut url = format!(
        "{}/{}/{waba_id}/message_templates?fields=name,language,status,category,components&limit=100",
        graph.base_url.trim_end_matches('/'),
        graph.version
    );
    let mut read = Read::default();
    for _ in 0..MAX_PAGES {
        let response = client
            .get(&url)
            .bearer_auth(graph.access_token.expose())
            .send()
            .await
            .map_err(|e| format!("the Graph API did not answer: {e}"))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| format!("the Graph API's answer was cut: {e}"))?;
        if !status.is_success() {
            let detail: String = text.chars().take(300).collect();
            return Err(format!("the Graph API answered {status}: {detail}"));
        }
        let page: Page = serde_json::from_str(&text)
            .map_err(|e| format!("the Graph API's answer is not a template list: {e}"))?;
        read_page(&page, waba_id, &mut read);
        match page.paging.and_then(|p| p.next) {
            // The token goes with every page: only to the Graph API we were configured with.
            Some(next) if !page.data.is_empty() && same_origin(&next, &graph.base_url) => {
                url = next
            }
            Some(next) if !page.data.is_empty() => {
                return Err(format!(
                    "the Graph API pointed the next page elsewhere ({}); not following it",
                    origin(&next)
                ));
            }
            _ => return Ok(read),
        }
    }
    Ok(read)
}

/// `scheme://host[:port]` of a URL.
fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    &url[..end]
}

fn same_origin(url: &str, base: &str) -> bool {
    origin(url).eq_ignore_ascii_case(origin(base))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_page_is_followed_only_on_the_same_origin() {
        assert!(same_origin(
            "https://graph.facebook.com/v25.0/1/message_templates?after=x",
            "https://graph.facebook.com"
        ));
        assert!(!same_origin(
            "https://graph.facebook.com.evil.example/v25.0/1",
            "https://graph.facebook.com"
        ));
        assert!(!same_origin("http://127.0.0.1:9/x", "http://127.0.0.1:8/"));
    }

    #[test]
    fn metas_listing_becomes_templates_and_unsupported_shapes_are_named() {
        let page: Page = serde_json::from_str(
            r#"{"data":[
              {"name":"order_update","language":"en_US","status":"APPROVED","category":"UTILITY","id":"1",
               "components":[{"type":"HEADER","format":"TEXT","text":"Order {{1}}"},
                             {"type":"BODY","text":"Hi {{1}}, your order {{2}} ships today."},
                             {"type":"FOOTER","text":"Reply STOP to opt out"},
                             {"type":"BUTTONS","buttons":[{"type":"URL","text":"Track","url":"https://shop.example/t/{{1}}"},
                                                          {"type":"QUICK_REPLY","text":"Thanks"}]}]},
              {"name":"welcome_video","language":"pt_BR","status":"APPROVED","category":"MARKETING",
               "components":[{"type":"HEADER","format":"VIDEO"},{"type":"BODY","text":"Olá!"}]},
              {"name":"new_offer","language":"en_US","status":"PENDING","category":"MARKETING",
               "components":[{"type":"BODY","text":"Soon"}]}
            ],"paging":{"cursors":{"before":"a","after":"b"}}}"#,
        )
        .unwrap();
        let mut read = Read::default();
        read_page(&page, "310984726155302", &mut read);
        assert_eq!(read.templates.len(), 2);
        let order = &read.templates[0];
        assert_eq!(order.header.as_deref(), Some("Order {{1}}"));
        assert_eq!(order.status, TemplateStatus::Approved);
        let slots: Vec<String> = order.slots().into_iter().collect();
        assert_eq!(slots, ["body.1", "body.2", "button.0", "header.1"]);
        assert_eq!(read.templates[1].status, TemplateStatus::Pending);
        assert_eq!(
            read.skipped,
            ["welcome_video (pt_BR): a VIDEO header is not supported yet"]
        );
    }
}
