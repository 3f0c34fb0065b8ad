//! The OpenAPI document's frame: title, the bearer scheme every `/api/v1` route requires unless
//! it says otherwise, and a description on every response. The paths themselves come
//! from each handler's `#[utoipa::path]`, collected as the routes are registered.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ComponentsBuilder, InfoBuilder, OpenApi, OpenApiBuilder, RefOr, Schema};

/// The document before any path is added.
pub(super) fn base() -> OpenApi {
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Relaydesk")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "WhatsApp customer support run as a team: the queue, ownership, replies, \
                     escalations and live events. Sign in with `POST /api/v1/auth/login` and send \
                     the token as `Authorization: Bearer …`. Every error answers \
                     `{\"error\":{\"code\",\"message\",…}}`.",
                ))
                .build(),
        )
        // Not named by any route directly: a refused command's error carries its fields.
        .components(Some(
            ComponentsBuilder::new()
                .schema_from::<relaydesk_core::domain::Rejection>()
                .schema_from::<relaydesk_core::domain::Entity>()
                // The live stream's `reset` event (its route names only `change`'s data) …
                .schema_from::<relaydesk_core::protocol::live::LiveReset>()
                // ... and its `signal` events.
                .schema_from::<relaydesk_core::protocol::live::Signal>()
                .schema_from::<relaydesk_core::protocol::live::SignalKind>()
                .build(),
        ))
        .build()
}

/// Adds the bearer scheme (required by default) to a document holding every path.
pub(super) fn finish(mut document: OpenApi) -> OpenApi {
    let components = document.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some("A token from POST /api/v1/auth/login"))
                .build(),
        ),
    );
    document.security = Some(vec![SecurityRequirement::new(
        "bearer",
        Vec::<String>::new(),
    )]);
    if let Some(RefOr::T(Schema::OneOf(commands))) = components.schemas.get_mut("Command") {
        only_what_a_person_pushes(commands);
    }
    for item in document.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            describe_responses(operation);
        }
    }
    document
}

/// The commands a phone may push (`Mutation.command`, the only place `Command` is used):
/// those only WhatsApp or Relaydesk's timers issue are refused by sync (`crate::sync`), so the
/// document leaves them out and says so.
fn only_what_a_person_pushes(commands: &mut utoipa::openapi::schema::OneOf) {
    commands.items.retain(|variant| {
        !names(variant)
            .iter()
            .any(|n| crate::sync::NOT_FROM_PEOPLE.contains(&n.as_str()))
    });
    commands.description = Some(
        "A command a person issues. Those only WhatsApp issues (customer messages, delivery \
         reports) come through the webhook, a snooze ends on Relaydesk's own timer; they are \
         refused in a push."
            .to_owned(),
    );
}

/// The `command` tag(s) a variant of `Command` carries (an object, or `allOf` an object for
/// a variant wrapping a struct).
fn names(variant: &RefOr<Schema>) -> Vec<String> {
    match variant {
        RefOr::T(Schema::Object(object)) => match object.properties.get("command") {
            Some(RefOr::T(Schema::Object(tag))) => tag
                .enum_values
                .iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        },
        RefOr::T(Schema::AllOf(all)) => all.items.iter().flat_map(names).collect(),
        _ => Vec::new(),
    }
}

/// A response without words gets its status's reason (`200` → "OK"): OpenAPI requires one.
fn describe_responses(operation: &mut utoipa::openapi::path::Operation) {
    for (status, response) in operation.responses.responses.iter_mut() {
        if let RefOr::T(response) = response
            && response.description.is_empty()
        {
            response.description = status
                .parse::<u16>()
                .ok()
                .and_then(|code| axum::http::StatusCode::from_u16(code).ok())
                .and_then(|code| code.canonical_reason())
                .unwrap_or("Answer")
                .to_owned();
        }
    }
}

/// The finished document, set once when the router is built.
static DOCUMENT: std::sync::OnceLock<OpenApi> = std::sync::OnceLock::new();

/// Keeps the finished document for [`document`] to serve.
pub(super) fn publish(document: OpenApi) {
    let _ = DOCUMENT.set(document);
}

/// This document: every route, its parameters, bodies, answers and the error shape.
#[utoipa::path(get, path = "/api/openapi.json", tag = "operations", security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", body = Object)))]
pub(super) async fn document() -> axum::Json<OpenApi> {
    axum::Json(
        DOCUMENT
            .get()
            .cloned()
            .unwrap_or_else(super::openapi_document),
    )
}
