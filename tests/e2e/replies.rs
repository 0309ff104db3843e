//! Anonymous replies end to end: a manager replies to a comment in closed results, its
//! author reads it by direct message and answers once, neither learning who the other is;
//! a withheld team, another team's manager, a wrong number and a second answer are
//! refused; and no table links the comment to its author.

use serde_json::json;

use crate::helpers::{dump_tables, within, TestApp};
use crate::pulse_flow::{answer, content, start};

async fn app() -> TestApp {
    crate::champions::app_with_files(
        &[("HERALD__PRIVACY__MIN_GROUP_SIZE", "3")],
        "---\ntitle = \"Weekly\"\n---\nhi",
        "",
        &[],
    )
    .await
}

async fn dms(app: &TestApp, who: &str) -> Vec<serde_json::Value> {
    app.get(&format!("/_sim/dms/{who}"))
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn dm_with(app: &TestApp, who: &str, text: &str) -> serde_json::Value {
    for _ in 0..1000 {
        if let Some(m) = dms(app, who)
            .await
            .into_iter()
            .find(|m| content(m).contains(text))
        {
            return m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("{who} never read `{text}`");
}

#[tokio::test]
async fn a_reply_reaches_the_comments_author_who_answers_once_and_nothing_links_them() {
    within(180, async {
        let app = app().await;
        assert!(start(&app, "Sales, Finance", "48h").await.contains("Pulse #1"));
        answer(&app, "Ava", "sales", &[4, 4, 2, 4, 4], Some("The renewal screen is confusing")).await;
        for who in ["Ben", "Chloe"] {
            answer(&app, who, "sales", &[4, 4, 4, 4, 4], None).await;
        }
        answer(&app, "Kai", "finance", &[4, 4, 4, 4, 4], Some("Month-end worries me")).await;
        answer(&app, "Lena", "finance", &[4, 4, 4, 4, 4], None).await;
        let early = app.command("Maya", "sales", "pulse reply", json!({ "pulse": "1", "team": "Sales", "comment": 1, "text": "Thanks" })).await.content;
        assert_eq!(early, "Pulse #1 Atlas readiness check is still open; reply to its comments once it has closed.");
        app.command("Claire", "change-team", "pulse close", json!({ "pulse": "1" })).await;
        let store = app.herald().app.store.clone();
        for _ in 0..1000 {
            if store.pulse(1).await.expect("pulse").is_some_and(|p| p.closed_at_ms.is_some()) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let results = app.command("Maya", "sales", "pulse results", json!({ "pulse": "1", "team": "Sales" })).await.content;
        assert!(results.contains("> The renewal screen is confusing"), "{results}");
        assert!(results.contains("To reply to a comment: `/pulse reply pulse:1 team:TEAM comment:N text:…`"), "{results}");

        // What is refused changes nothing and reaches nobody.
        for (who, channel, team, n, said) in [
            ("Ava", "sales", "Sales", 1, "managers"),
            ("Maya", "sales", "Finance", 1, "Managers reply to comments of their own teams; you are not in Finance."),
            ("Claire", "change-team", "Finance", 1, "Finance's results were withheld (fewer than 3 answered), so its comments are not shown and cannot be replied to; nothing was sent."),
            ("Maya", "sales", "Sales", 2, "Sales has 1 comment in pulse #1; `/pulse results pulse:1 team:Sales` lists them, numbered from 1 in the order shown. Nothing was sent."),
        ] {
            let got = app.command(who, channel, "pulse reply", json!({ "pulse": "1", "team": team, "comment": n, "text": "Thanks" })).await.content;
            assert!(got.contains(said), "{who} → {team} #{n}: {got}");
        }
        assert!(dms(&app, "Kai").await.iter().all(|m| !content(m).contains("A reply")), "a withheld team's author is not reached");

        // Maya replies; Ava (and nobody else) reads it, without Maya's name.
        let sent = app.command("Maya", "sales", "pulse reply", json!({ "pulse": "1", "team": "Sales", "comment": 1, "text": "Thank you — which part of the screen?" })).await.content;
        assert_eq!(sent, "Sent. The comment's author reads your reply by direct message; Herald has not told you who they are, and will not. They may answer once.");
        let got = dm_with(&app, "Ava", "A reply to your comment").await;
        assert_eq!(
            content(&got),
            "💬 **A reply to your comment** in “Atlas readiness check” (pulse #1), from Sales's manager. Herald has not told them who you are, and will not.\n> The renewal screen is confusing\n\nThank you — which part of the screen?\n\nYou may answer once, the same way: they will not learn who you are."
        );
        for other in ["Ben", "Chloe", "Dan", "Ella", "Maya"] {
            assert!(dms(&app, other).await.iter().all(|m| !content(m).contains("A reply to your comment")), "{other} read Ava's reply");
        }
        let answer_once = crate::pulse_flow::button(&got["components"], "Answer once");
        let forged = app.click("Ava", got["id"].as_str().expect("id"), "reply:answer:99").await;
        assert_eq!(forged.content, "This button is for the comment's author only; nothing changed.");
        let form = app.click("Ava", got["id"].as_str().expect("id"), &answer_once).await;
        assert_eq!(form.kind, 9, "a form opens: {}", form.content);
        let started = app
            .post("/_sim/interactions/modal", json!({ "member": "Ava", "custom_id": form.custom_id, "message_id": got["id"], "fields": { "answer": "The filter panel: it hides the renewal date" } }))
            .await;
        let done = app.reply(started["interaction_id"].as_str().expect("id")).await.content;
        assert_eq!(done, "Sent. They read your answer without your name.");
        let back = dm_with(&app, "Maya", "An answer to your reply").await;
        assert_eq!(
            content(&back),
            "💬 **An answer to your reply** on a comment from Sales in pulse #1. Herald does not tell you who wrote it.\n\nThe filter panel: it hides the renewal date"
        );
        let again = app.click("Ava", got["id"].as_str().expect("id"), &answer_once).await;
        assert_eq!(again.content, "You have already answered this reply; each reply takes one answer.");

        // The audit: no row anywhere holds both Ava and the comment (its ballot key or its
        // words), and the replies hold no member but the replier.
        let ava = app.id_of("members", "Ava").await.to_string();
        let maya = app.id_of("members", "Maya").await.to_string();
        let tables = dump_tables(&app).await;
        let (columns, replies) = &tables["comment_replies"];
        assert_eq!(replies.len(), 1, "{replies:?}");
        let key_at = columns.iter().position(|c| c == "ballot_key").expect("ballot_key");
        let key = replies[0][key_at].clone();
        assert!(replies[0].contains(&maya), "the replier is kept: {replies:?}");
        for (table, (_, rows)) in &tables {
            for row in rows {
                let names_ava = row.iter().any(|c| c == &ava || c.contains(&format!("<@{ava}>")));
                let names_comment = row.iter().any(|c| c.contains(&key) || c.contains("renewal screen is confusing"));
                assert!(!(names_ava && names_comment), "{table} links Ava to her comment: {row:?}");
                if table == "comment_replies" {
                    assert!(!names_ava, "{row:?}");
                }
            }
        }
        app.finish().await;
    })
    .await;
}
