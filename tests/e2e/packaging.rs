//! The Dockerfile and compose file as an operator relies on them. There is no container
//! engine here, so these read the files and check the properties that matter.

const DOCKERFILE: &str = include_str!("../../Dockerfile");
const COMPOSE: &str = include_str!("../../compose.yaml");

/// Instructions with their continuation lines joined, comments left out.
fn instructions(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines().map(str::trim).filter(|l| !l.starts_with('#')) {
        current.push_str(line.trim_end_matches('\\'));
        current.push(' ');
        if !line.ends_with('\\') {
            if !current.trim().is_empty() {
                out.push(current.trim().to_string());
            }
            current.clear();
        }
    }
    out
}

fn pinned(image: &str) -> bool {
    let Some((_, tag)) = image.split_once(':') else {
        return false;
    };
    let version = tag.split('-').next().unwrap_or_default();
    version.split('.').count() >= 2 && version.split('.').all(|p| p.parse::<u32>().is_ok())
}

#[test]
fn the_image_runs_any_subcommand_with_run_as_the_default() {
    let all = instructions(DOCKERFILE);
    let last = |word: &str| {
        all.iter()
            .rev()
            .find(|i| i.starts_with(word))
            .unwrap_or_else(|| panic!("no {word}"))
            .clone()
    };
    assert_eq!(last("ENTRYPOINT"), r#"ENTRYPOINT ["herald"]"#);
    assert_eq!(last("CMD"), r#"CMD ["run"]"#);
}

#[test]
fn the_health_check_probes_liveness_so_a_discord_outage_restarts_nothing() {
    let all = instructions(DOCKERFILE);
    let check = all
        .iter()
        .find(|i| i.starts_with("HEALTHCHECK"))
        .expect("a HEALTHCHECK");
    assert!(check.contains("/livez"), "{check}");
    assert!(
        !check.contains("/healthz") && !check.contains("/readyz"),
        "{check}"
    );
}

#[test]
fn the_plan_is_a_volume_herald_reads_and_the_shipped_plan_fills_it() {
    let all = instructions(DOCKERFILE);
    let volume = all
        .iter()
        .find(|i| i.starts_with("VOLUME"))
        .expect("VOLUME");
    assert!(volume.contains("\"/plan\""), "{volume}");
    assert!(all
        .iter()
        .any(|i| i.starts_with("ENV") && i.contains("HERALD__MESSAGES__DIR=/plan")));
    assert!(all
        .iter()
        .any(|i| i.starts_with("COPY") && i.ends_with("messages /plan")));
}

#[test]
fn base_images_are_pinned_and_dependencies_build_in_their_own_layer() {
    let all = instructions(DOCKERFILE);
    let froms: Vec<&String> = all.iter().filter(|i| i.starts_with("FROM")).collect();
    assert_eq!(froms.len(), 2, "a builder and a runtime");
    for from in froms {
        let image = from.split_whitespace().nth(1).expect("an image");
        assert!(
            pinned(image),
            "{image} floats: pin a version such as rust:1.95.0-bookworm"
        );
    }
    let position = |pred: &dyn Fn(&String) -> bool| all.iter().position(pred).expect("found");
    let deps = position(&|i| i.starts_with("RUN") && i.contains("cargo build"));
    let sources = position(&|i| i.starts_with("COPY src"));
    let manifests = position(&|i| i.starts_with("COPY Cargo.toml Cargo.lock"));
    assert!(
        manifests < deps && deps < sources,
        "manifests, then dependencies, then sources"
    );
}

#[test]
fn compose_runs_two_heralds_on_a_healthy_postgresql() {
    let image = COMPOSE
        .lines()
        .find_map(|l| l.trim().strip_prefix("image: postgres:"))
        .expect("a postgres service");
    assert!(
        pinned(&format!("postgres:{image}")),
        "postgres:{image} floats"
    );
    assert!(
        COMPOSE.contains("condition: service_healthy"),
        "Herald waits for the database"
    );
    assert!(COMPOSE.contains("HERALD__DATABASE__URL: postgres://"));
    for service in ["herald-a:", "herald-b:"] {
        assert!(COMPOSE.contains(&format!("\n  {service}")), "{service}");
    }
    assert!(
        COMPOSE.contains("- key:/var/lib/herald-key"),
        "instances share the privacy key"
    );
    assert!(
        !COMPOSE.contains("DISCORD_TOKEN: ") || COMPOSE.contains("${DISCORD_TOKEN"),
        "no token in the file"
    );
}
