//! `relaydesk admin …` on the server's machine: setting up a workspace from nothing, and
//! resetting a forgotten password — the real binary on a SQLite data directory.

use std::path::Path;
use std::process::Command;

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
