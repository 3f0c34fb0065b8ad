//! Reusable text: canned replies with variables and WhatsApp templates with parameter slots.

use relaydesk_core::domain::*;

fn canned(body: &str) -> CannedReply {
    CannedReply {
        id: CannedReplyId::new(),
        shortcut: "refund".into(),
        title: "Refund policy".into(),
        body: body.into(),
        scope: CannedScope::Personal(UserId::new()),
    }
}

#[test]
fn a_canned_reply_fills_its_variables_and_names_the_ones_it_lacks() {
    let reply =
        canned("Hi {{contact.name}}, I'm {{ agent.name }}. Refunds take 5 days, {{contact.name}}.");
    assert_eq!(reply.variables(), vec!["contact.name", "agent.name"]);
    let mut vars = Variables::new();
    vars.insert("contact.name".into(), "Marisol".into());
    assert_eq!(
        reply.render(&vars),
        Err(MissingVariables {
            missing: vec!["agent.name".into()]
        })
    );
    vars.insert("agent.name".into(), "Ana".into());
    assert_eq!(
        reply.render(&vars).as_deref(),
        Ok("Hi Marisol, I'm Ana. Refunds take 5 days, Marisol.")
    );
}

#[test]
fn a_team_canned_reply_is_for_that_team_and_a_personal_one_for_its_owner() {
    let team = TeamId::new();
    let owner = UserId::new();
    let mut reply = canned("text");
    reply.scope = CannedScope::Team(team);
    assert!(reply.usable_by(UserId::new(), &[team].into_iter().collect()));
    assert!(!reply.usable_by(owner, &Default::default()));
    reply.scope = CannedScope::Personal(owner);
    assert!(reply.usable_by(owner, &Default::default()));
    assert!(!reply.usable_by(UserId::new(), &[team].into_iter().collect()));
}

#[test]
fn a_template_lists_its_slots_from_header_body_and_url_buttons() {
    let template = Template {
        id: TemplateId::new(),
        waba_id: "waba".into(),
        name: "delivery_update".into(),
        language: "en_US".into(),
        category: TemplateCategory::Utility,
        status: TemplateStatus::Approved,
        header: Some("Order {{1}}".into()),
        body: "Hi {{first_name}}, parcel {{order_id}} arrives {{date}}.".into(),
        footer: None,
        buttons: vec![
            TemplateButton::QuickReply {
                text: "Reschedule".into(),
            },
            TemplateButton::Url {
                text: "Track".into(),
                url: "https://x.example/{{1}}".into(),
            },
        ],
    };
    let slots: Vec<String> = template.slots().into_iter().collect();
    assert_eq!(
        slots,
        [
            "body.date",
            "body.first_name",
            "body.order_id",
            "button.1",
            "header.1"
        ]
    );
    let params: TemplateParams = [
        ("header.1", "A-1"),
        ("body.first_name", "Ana"),
        ("body.order_id", "A-1"),
        ("body.date", "Friday"),
        ("button.1", "A-1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(template.check_params(&params), Ok(()));
    assert_eq!(
        template.preview(&params),
        "Order A-1\nHi Ana, parcel A-1 arrives Friday."
    );
    let mut long = params.clone();
    long.insert("body.date".into(), "d".repeat(1024));
    assert_eq!(template.check_params(&long), Ok(()));
    long.insert("body.date".into(), "d".repeat(1025));
    assert_eq!(
        template.check_params(&long),
        Err(ParamsError::TooLong("body.date".into()))
    );
    let mut spaced = params.clone();
    spaced.insert("body.date".into(), "Friday      morning".into());
    assert_eq!(
        template.check_params(&spaced),
        Err(ParamsError::BadWhitespace("body.date".into()))
    );
}
