//! `relaydesk admin …` on the server's machine: setting up a workspace from nothing, and
//! resetting a forgotten password — the real binary on a SQLite data directory. The storage
//! settings go before or after the subcommand (the README writes them after), and everything
//! the command line prints — results, the OpenAPI document, errors — ends with a newline.

use std::path::Path;
use std::process::Command;

/// Runs the binary with exactly these arguments: (success, stdout, stderr).
fn relaydesk(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_relaydesk"))
        .args(args)
        .env_remove("RELAYDESK_DATA_DIR")
        .env_remove("RELAYDESK_DATABASE_URL")
        .output()
        .expect("the binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn admin(data: &Path, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_relaydesk"))
        .arg("admin")
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .expect("the binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn one_time_password(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("one-time password: "))
        .expect("a one-time password is printed")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_sets_up_a_workspace_and_resets_a_password_from_the_command_line() {
    let data = tempfile::tempdir().expect("a data dir");
    let dir = data.path();
    let (ok, out, err) = admin(dir, &["create-team", "--name", "Orders"]);
    assert!(ok, "{err}");
    assert!(out.contains("created team Orders"), "{out}");
    let (ok, _, err) = admin(
        dir,
        &[
            "add-inbox",
            "--name",
            "Shop",
            "--phone-number-id",
            "1098",
            "--display-phone-number",
            "+15550100",
            "--waba-id",
            "2098",
            "--team",
            "Orders",
        ],
    );
    assert!(ok, "{err}");
    let (ok, out, err) = admin(
        dir,
        &[
            "create-user",
            "--email",
            "Ana@Example.com",
            "--name",
            "Ana Lima",
            "--role",
            "supervisor",
            "--team",
            "orders",
        ],
    );
    assert!(ok, "{err}");
    assert!(
        out.contains("created Ana Lima <ana@example.com> (@ana.lima, supervisor)"),
        "{out}"
    );
    let first = one_time_password(&out);

    // Mistakes are explained, and change nothing.
    let (ok, _, err) = admin(
        dir,
        &[
            "create-user",
            "--email",
            "ana@example.com",
            "--name",
            "Again",
        ],
    );
    assert!(!ok);
    assert!(err.contains("already exists"), "{err}");
    let (ok, _, err) = admin(
        dir,
        &[
            "create-user",
            "--email",
            "x@example.com",
            "--name",
            "X",
            "--team",
            "Nowhere",
        ],
    );
    assert!(!ok);
    assert!(err.contains("no team named \"Nowhere\""), "{err}");
    let (ok, _, err) = admin(
        dir,
        &[
            "create-user",
            "--email",
            "y@example.com",
            "--name",
            "Y",
            "--role",
            "boss",
        ],
    );
    assert!(!ok);
    assert!(err.contains("agent, supervisor, admin"), "{err}");

    let (ok, out, err) = admin(dir, &["reset-password", "--email", "ana@example.com"]);
    assert!(ok, "{err}");
    let second = one_time_password(&out);
    assert_ne!(first, second);
    let (ok, out, _) = admin(dir, &["list-users"]);
    assert!(ok);
    assert!(
        out.contains("ana@example.com\tAna Lima\t@ana.lima\tsupervisor\tactive"),
        "{out}"
    );

    // The new password works against a server on the same data directory; the old one not.
    let store = relaydesk_server::store::Store::open(&relaydesk_server::store::Database::Sqlite(
        dir.join("relaydesk.db"),
    ))
    .await
    .expect("the store opens");
    let now = chrono::Utc::now();
    let login = |password: String| relaydesk_core::protocol::auth::LoginRequest {
        email: "ana@example.com".into(),
        password,
        device: None,
    };
    assert!(
        relaydesk_server::accounts::login(&store, login(first), "cli-test", now)
            .await
            .is_err()
    );
    let signed = relaydesk_server::accounts::login(&store, login(second), "cli-test", now)
        .await
        .expect("the reset password signs in");
    assert!(signed.user.must_change_password);

    let (ok, out, err) = admin(dir, &["deactivate-user", "--email", "ana@example.com"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("deactivated and signed out: ana@example.com"),
        "{out}"
    );
    let (_, out, _) = admin(dir, &["list-users"]);
    assert!(out.contains("\tdeactivated"), "{out}");
}

#[test]
fn an_admin_running_the_cli_with_the_data_dir_after_the_subcommand_reaches_the_same_workspace() {
    let data = tempfile::tempdir().expect("a data dir");
    let dir = data.path().to_str().expect("a UTF-8 path");
    // As the README writes it …
    let (ok, out, err) = relaydesk(&[
        "admin",
        "create-team",
        "--name",
        "Orders",
        "--data-dir",
        dir,
    ]);
    assert!(ok, "{err}");
    assert!(out.starts_with("created team Orders ("), "{out}");
    let (ok, _, err) = relaydesk(&[
        "admin",
        "create-user",
        "--email",
        "ana@example.com",
        "--name",
        "Ana Lima",
        "--team",
        "Orders",
        "--data-dir",
        dir,
    ]);
    assert!(ok, "{err}");
    // … and the other way round: the same workspace.
    let (ok, _, err) = relaydesk(&[
        "admin",
        "--data-dir",
        dir,
        "create-team",
        "--name",
        "Orders",
    ]);
    assert!(!ok);
    assert!(err.ends_with("error: a team Orders exists\n"), "{err:?}");
    let (ok, out, err) = relaydesk(&["admin", "list-users", "--data-dir", dir]);
    assert!(ok, "{err}");
    assert_eq!(out, "ana@example.com\tAna Lima\t@ana.lima\tagent\tactive\n");
    assert!(
        !data
            .path()
            .join("..")
            .join("data")
            .join("relaydesk.db")
            .exists()
            && !Path::new("data/relaydesk.db").exists(),
        "nothing went to the default data directory"
    );

    // `--database-url` is read after the subcommand too: this one names a PostgreSQL nobody
    // listens on, and that is what the error is about (not an unknown argument).
    let (ok, _, err) = relaydesk(&[
        "admin",
        "list-users",
        "--database-url",
        "postgres://nobody@127.0.0.1:1/nowhere",
    ]);
    assert!(!ok);
    assert!(
        err.contains("error: cannot open the database Postgres("),
        "{err}"
    );
    assert!(!err.contains("unexpected argument"), "{err}");
}

#[test]
fn everything_the_command_line_prints_ends_with_a_newline_and_errors_are_one_clear_line() {
    let data = tempfile::tempdir().expect("a data dir");
    let dir = data.path().to_str().expect("a UTF-8 path");
    let (ok, document, _) = relaydesk(&["openapi"]);
    assert!(ok);
    assert!(document.ends_with("}\n"), "the document ends its line");
    serde_json::from_str::<serde_json::Value>(&document).expect("one JSON document");

    let (_, created, _) = relaydesk(&[
        "admin",
        "create-team",
        "--name",
        "Orders",
        "--data-dir",
        dir,
    ]);
    let (_, user, _) = relaydesk(&[
        "admin",
        "create-user",
        "--email",
        "bo@example.com",
        "--name",
        "Bo",
        "--data-dir",
        dir,
    ]);
    let (_, reset, _) = relaydesk(&[
        "admin",
        "reset-password",
        "--email",
        "bo@example.com",
        "--data-dir",
        dir,
    ]);
    let (_, listed, _) = relaydesk(&["admin", "list-users", "--data-dir", dir]);
    for out in [&created, &user, &reset, &listed] {
        assert!(out.ends_with('\n') && !out.trim().is_empty(), "{out:?}");
    }

    // Our own refusals: one line, no backtrace even when backtraces are asked for.
    let refused = Command::new(env!("CARGO_BIN_EXE_relaydesk"))
        .args([
            "admin",
            "reset-password",
            "--email",
            "nobody@example.com",
            "--data-dir",
            dir,
        ])
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("the binary runs");
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8_lossy(&refused.stderr);
    let last = err.lines().last().unwrap_or_default();
    assert_eq!(last, "error: no account with the email nobody@example.com");
    assert!(err.ends_with('\n'));
    assert!(!err.contains("backtrace"), "{err}");
    // The command line's own: usage errors too.
    let (ok, _, err) = relaydesk(&["admin", "create-team"]);
    assert!(!ok);
    assert!(err.contains("--name"), "{err}");
    assert!(err.ends_with('\n'), "{err:?}");
}

/// The first admin is created by the machine's operator with nobody to act as; from then on
/// every change names the admin it is made as (`--as`, or RELAYDESK_ADMIN_AS), and is
/// refused — with what to do — without one, or as someone who is not an active admin.
/// Listing changes nothing and needs no one.
#[test]
fn once_there_is_an_admin_the_command_line_acts_as_a_named_admin() {
    let data = tempfile::tempdir().expect("a data dir");
    let dir = data.path();
    let (ok, out, _) = admin(dir, &["list-users"]);
    assert!(ok);
    assert_eq!(
        out, "no users yet: create the first admin with create-user --role admin\n",
        "an empty list says so, and what to do"
    );
    let (ok, _, err) = admin(dir, &["create-team", "--name", "Orders"]);
    assert!(ok, "the first setup has no admin to act as: {err}");
    let (ok, _, err) = admin(
        dir,
        &[
            "create-user",
            "--email",
            "root@example.com",
            "--name",
            "Root",
            "--role",
            "admin",
            "--password",
            "correct horse battery",
        ],
    );
    assert!(ok, "{err}");

    let (ok, _, err) = admin(dir, &["create-team", "--name", "Billing"]);
    assert!(!ok, "an admin exists now: say which one you are");
    assert!(err.contains("--as <email>"), "{err}");

    let (ok, _, err) = admin(
        dir,
        &[
            "create-user",
            "--as",
            "root@example.com",
            "--email",
            "ana@example.com",
            "--name",
            "Ana",
            "--team",
            "Orders",
        ],
    );
    assert!(ok, "{err}");
    let (ok, _, err) = admin(
        dir,
        &[
            "--as",
            "ana@example.com",
            "create-team",
            "--name",
            "Billing",
        ],
    );
    assert!(!ok, "an agent is not an admin");
    assert!(err.contains("ana@example.com is not one"), "{err}");
    let (ok, _, err) = admin(
        dir,
        &[
            "--as",
            "nobody@example.com",
            "create-team",
            "--name",
            "Billing",
        ],
    );
    assert!(!ok);
    assert!(err.contains("no account with the email"), "{err}");

    let output = Command::new(env!("CARGO_BIN_EXE_relaydesk"))
        .args(["admin", "--data-dir"])
        .arg(dir)
        .args(["create-team", "--name", "Billing"])
        .env("RELAYDESK_ADMIN_AS", "root@example.com")
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let (ok, out, _) = admin(dir, &["list-users"]);
    assert!(ok, "listing changes nothing");
    assert!(out.contains("ana@example.com"), "{out}");

    // The configuration log says who made each change, through the command line: Relaydesk
    // for the first setup, Root after.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let log = runtime.block_on(async {
        let store = relaydesk_server::store::Store::open(
            &relaydesk_server::store::Database::Sqlite(dir.join("relaydesk.db")),
        )
        .await
        .expect("opens");
        store
            .config_log(relaydesk_server::store::config::LogFilter {
                limit: 100,
                ..Default::default()
            })
            .await
            .expect("db")
    });
    let said = |name: &str| {
        log.iter()
            .find(|e| e.after.as_ref().is_some_and(|a| a["name"] == name))
            .map(|e| {
                (
                    serde_json::to_value(e.by).expect("JSON")["kind"].clone(),
                    e.door.clone(),
                )
            })
            .unwrap_or_else(|| panic!("{name} is in the log: {log:?}"))
    };
    assert_eq!(
        said("Orders"),
        (serde_json::json!("automation"), "cli".to_owned())
    );
    assert_eq!(
        said("Billing"),
        (serde_json::json!("member"), "cli".to_owned())
    );
    assert_eq!(said("Ana"), (serde_json::json!("member"), "cli".to_owned()));
}

/// An admin keeps the label catalogue from the command line: a label made, a second one of
/// the same name whatever its case refused in one line, a rename said back.
#[test]
fn an_admin_keeps_the_label_catalogue_from_the_command_line() {
    let data = tempfile::tempdir().expect("a data dir");
    let dir = data.path();
    let (ok, out, err) = admin(
        dir,
        &[
            "create-label",
            "--name",
            "Refund",
            "--colour",
            "#C0392B",
            "--description",
            "Money back",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.starts_with("created label Refund (#c0392b, "), "{out}");
    let (ok, _, err) = admin(dir, &["create-label", "--name", "refund"]);
    assert!(!ok);
    assert!(
        err.ends_with(
            "\nerror: a label Refund exists (names differing only in case are one name)\n"
        ),
        "one clear line: {err}"
    );
    let (ok, out, err) = admin(
        dir,
        &["rename-label", "--name", "Refund", "--to", "Refund request"],
    );
    assert!(ok, "{err}");
    assert_eq!(out, "renamed label Refund to Refund request\n");
    let (ok, _, err) = admin(dir, &["rename-label", "--name", "Nope", "--to", "x"]);
    assert!(!ok);
    assert!(err.contains("no label named \"Nope\""), "{err}");
}
