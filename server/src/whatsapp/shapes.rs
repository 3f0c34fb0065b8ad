//! Meta's webhook JSON shapes, as serde reads them: every field optional that Meta has ever
//! left out, so a missing field becomes `None` rather than a failed batch. Only
//! [`super::notification`] reads these; the rest of the server sees domain terms.

use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
pub(crate) struct Envelope {
    #[serde(default)]
    pub(crate) object: String,
    pub(crate) entry: Option<Vec<Entry>>,
}

#[derive(Deserialize)]
pub(crate) struct Entry {
    #[serde(default)]
    pub(crate) changes: Vec<RawChange>,
}

#[derive(Deserialize)]
pub(crate) struct RawChange {
    #[serde(default)]
    pub(crate) field: String,
    pub(crate) value: Option<ChangeValue>,
}

#[derive(Deserialize)]
pub(crate) struct ChangeValue {
    pub(crate) metadata: Option<Metadata>,
    pub(crate) contacts: Option<Vec<RawContact>>,
    pub(crate) messages: Option<Vec<Value>>,
    pub(crate) statuses: Option<Vec<Value>>,
    pub(crate) errors: Option<Vec<RawError>>,
}

#[derive(Deserialize)]
pub(crate) struct Metadata {
    #[serde(default)]
    pub(crate) display_phone_number: String,
    pub(crate) phone_number_id: String,
}

#[derive(Deserialize)]
pub(crate) struct RawContact {
    pub(crate) profile: Option<RawProfile>,
    pub(crate) wa_id: Option<String>,
    pub(crate) user_id: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct RawProfile {
    pub(crate) name: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct RawMessage {
    pub(crate) id: String,
    pub(crate) from: Option<String>,
    pub(crate) from_user_id: Option<String>,
    pub(crate) timestamp: Option<Value>,
    pub(crate) context: Option<RawContext>,
    pub(crate) referral: Option<RawReferral>,
    #[serde(default)]
    pub(crate) errors: Vec<RawError>,
}

#[derive(Deserialize, Default)]
pub(crate) struct RawContext {
    pub(crate) id: Option<String>,
    pub(crate) forwarded: Option<bool>,
    pub(crate) frequently_forwarded: Option<bool>,
    pub(crate) referred_product: Option<RawReferredProduct>,
}

#[derive(Deserialize)]
pub(crate) struct RawReferredProduct {
    pub(crate) catalog_id: String,
    pub(crate) product_retailer_id: String,
}

#[derive(Deserialize)]
pub(crate) struct RawReferral {
    pub(crate) source_url: Option<String>,
    pub(crate) source_id: Option<String>,
    pub(crate) source_type: Option<String>,
    pub(crate) body: Option<String>,
    pub(crate) headline: Option<String>,
    pub(crate) ctwa_clid: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct RawMedia {
    pub(crate) id: String,
    pub(crate) mime_type: Option<String>,
    pub(crate) sha256: Option<String>,
    pub(crate) filename: Option<String>,
    pub(crate) caption: Option<String>,
    pub(crate) voice: Option<bool>,
    pub(crate) animated: Option<bool>,
}

#[derive(Deserialize)]
pub(crate) struct RawCard {
    pub(crate) name: Option<RawCardName>,
    #[serde(default)]
    pub(crate) phones: Vec<RawCardPhone>,
    #[serde(default)]
    pub(crate) emails: Vec<RawCardEmail>,
    pub(crate) org: Option<RawCardOrg>,
}

#[derive(Deserialize)]
pub(crate) struct RawCardName {
    pub(crate) formatted_name: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct RawCardPhone {
    pub(crate) phone: Option<String>,
    pub(crate) wa_id: Option<String>,
    pub(crate) r#type: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct RawCardEmail {
    pub(crate) email: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct RawCardOrg {
    pub(crate) company: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct RawOrder {
    #[serde(default)]
    pub(crate) catalog_id: String,
    pub(crate) text: Option<String>,
    #[serde(default)]
    pub(crate) product_items: Vec<RawOrderItem>,
}

#[derive(Deserialize)]
pub(crate) struct RawOrderItem {
    #[serde(default)]
    pub(crate) product_retailer_id: String,
    #[serde(default)]
    pub(crate) quantity: Value,
    #[serde(default)]
    pub(crate) item_price: Value,
    #[serde(default)]
    pub(crate) currency: String,
}

#[derive(Deserialize)]
pub(crate) struct RawStatus {
    pub(crate) id: String,
    pub(crate) status: String,
    pub(crate) timestamp: Option<Value>,
    pub(crate) recipient_id: Option<String>,
    pub(crate) recipient_user_id: Option<String>,
    pub(crate) biz_opaque_callback_data: Option<String>,
    pub(crate) pricing: Option<RawPricing>,
    #[serde(default)]
    pub(crate) errors: Vec<RawError>,
}

#[derive(Deserialize)]
pub(crate) struct RawPricing {
    pub(crate) category: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct RawError {
    pub(crate) code: Option<i64>,
    pub(crate) title: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) details: Option<String>,
    pub(crate) error_data: Option<RawErrorData>,
}

#[derive(Deserialize)]
pub(crate) struct RawErrorData {
    pub(crate) details: Option<String>,
}
