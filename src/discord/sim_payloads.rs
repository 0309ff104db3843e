//! Every payload the simulator sends, deserialized with serenity's own types: serenity
//! drops a payload that does not parse without a word, so each shape is proven here.

use serde_json::{json, Map, Value};
use serenity::all as s;

use crate::sim::state::SimState;
use crate::sim::{messages, payloads, WorldSpec};

fn state() -> SimState {
    SimState::new(&WorldSpec::default_world()).expect("default world builds")
}

fn parse<T: serde::de::DeserializeOwned>(v: Value) -> T {
    match serde_json::from_value(v.clone()) {
        Ok(t) => t,
        Err(e) => panic!("{} does not parse: {e}\n{v:#}", std::any::type_name::<T>()),
    }
}

/// An event as it arrives on the gateway: `{op, s, t, d}` → serenity's `Event`.
fn parse_event(name: &str, data: Value) -> s::Event {
    if name == "INTERACTION_CREATE" {
        let _: s::Interaction = parse(data.clone());
    }
    let frame = json!({ "op": 0, "s": 2, "t": name, "d": data });
    match parse::<s::GatewayEvent>(frame) {
        s::GatewayEvent::Dispatch(_, e) => e,
        other => panic!("{name} did not parse as a dispatch: {other:?}"),
    }
}

fn ids(st: &SimState) -> (u64, u64, u64) {
    let inner = st.lock();
    let guild = inner.guilds[0].id;
    let member = inner.find_user("Claire").expect("Claire");
    let channel = inner.find_channel("change-team").expect("channel");
    (guild, member, channel)
}

fn register_team_command(st: &SimState) {
    let cmd = json!({ "name": "team", "description": "t", "type": 1, "id": "42", "guild_id": null, "options": [
        { "name": "add", "type": 1, "description": "a", "options": [
            { "name": "name", "type": 3, "description": "n", "required": true },
            { "name": "role", "type": 8, "description": "r", "required": true },
            { "name": "channel", "type": 7, "description": "c", "required": true },
            { "name": "who", "type": 6, "description": "w" } ] } ] });
    st.lock().commands.push(cmd);
}

#[test]
fn application_info_gateway_and_registered_commands_parse() {
    let st = state();
    let inner = st.lock();
    let app: s::CurrentApplicationInfo = parse(payloads::application(&inner));
    assert_eq!(app.id.get(), inner.app_id);
    let gw: s::BotGateway = parse(payloads::gateway_bot("ws://127.0.0.1:1/gateway"));
    assert_eq!(gw.shards, 1);
    let sent = json!({ "name": "team", "description": "Teams", "type": 1, "options": [
        { "name": "add", "description": "Add", "type": 1, "options": [
            { "name": "role", "description": "r", "type": 8, "required": true }] }] });
    let cmd: s::Command = parse(payloads::registered_command(
        &sent,
        7,
        inner.app_id,
        Some(3),
    ));
    assert_eq!(
        (cmd.name.as_str(), cmd.options[0].options[0].name.as_str()),
        ("team", "role")
    );
    let resumed = parse_event("RESUMED", json!({}));
    assert!(matches!(resumed, s::Event::Resumed(_)));
}

#[test]
fn ready_and_guild_create_parse() {
    let st = state();
    let (guild, _, _) = ids(&st);
    let inner = st.lock();
    let ready = parse_event("READY", payloads::ready(&inner, "sid", "ws://x/gateway"));
    assert!(matches!(ready, s::Event::Ready(_)));
    let g: s::Guild = parse(payloads::guild_create(&inner, guild));
    assert_eq!(g.name, "Acme");
    assert_eq!(g.channels.len(), 6);
    assert!(g.roles.values().any(|r| r.name == "Change Lead"));
    assert_eq!(g.members.len(), inner.guild_members(guild).count());
    assert!(matches!(
        parse_event("GUILD_CREATE", payloads::guild_create(&inner, guild)),
        s::Event::GuildCreate(_)
    ));
}

#[test]
fn a_slash_command_interaction_parses_with_resolved_options() {
    let st = state();
    let (_, member, channel) = ids(&st);
    register_team_command(&st);
    let mut rx = st.events.subscribe();
    let opts: Map<String, Value> = serde_json::from_value(
        json!({ "name": "Sales", "role": "Sales", "channel": "sales", "who": "Ava" }),
    )
    .unwrap();
    crate::sim::interactions_for_tests::command(&st, member, channel, "team add", &opts)
        .expect("dispatched");
    let Ok(crate::sim::state::GatewayEvent::Dispatch { data, .. }) = rx.try_recv() else {
        panic!("no dispatch")
    };
    let s::Event::InteractionCreate(ev) = parse_event("INTERACTION_CREATE", data) else {
        panic!("not an interaction")
    };
    let cmd = ev.interaction.command().expect("a command interaction");
    assert_eq!(cmd.data.name, "team");
    let opts = cmd.data.options();
    let s::ResolvedValue::SubCommand(sub) = &opts[0].value else {
        panic!("no subcommand: {opts:?}")
    };
    assert!(
        matches!(sub[1].value, s::ResolvedValue::Role(r) if r.name == "Sales"),
        "{sub:?}"
    );
    assert!(
        matches!(sub[2].value, s::ResolvedValue::Channel(c) if c.name.as_deref() == Some("sales")),
        "{sub:?}"
    );
    assert!(
        matches!(sub[3].value, s::ResolvedValue::User(u, Some(_)) if u.name == "Ava"),
        "{sub:?}"
    );
    assert!(cmd.member.as_ref().is_some_and(|m| m.permissions.is_some()));
}

#[test]
fn messages_component_and_modal_interactions_parse() {
    let st = state();
    let (_, member, channel) = ids(&st);
    let bot = st.lock().bot_id;
    let body = json!({ "content": "hi", "components": [{ "type": 1, "components": [
        { "type": 2, "style": 1, "label": "Got it", "custom_id": "ack:1" }] }], "allowed_mentions": { "parse": [] } });
    let messages::Outcome::Created(msg) = messages::create(
        &st,
        channel,
        bot,
        messages::Incoming {
            body,
            files: vec![],
        },
        false,
    ) else {
        panic!()
    };
    let m: s::Message = parse(msg.clone());
    assert_eq!(m.content, "hi");
    let mut rx = st.events.subscribe();
    let msg_id: u64 = msg["id"].as_str().unwrap().parse().unwrap();
    crate::sim::interactions_for_tests::component(&st, member, msg_id, "ack:1", None)
        .expect("dispatched");
    let Ok(crate::sim::state::GatewayEvent::Dispatch { data, .. }) = rx.try_recv() else {
        panic!("no dispatch")
    };
    let s::Event::InteractionCreate(ev) = parse_event("INTERACTION_CREATE", data) else {
        panic!()
    };
    assert_eq!(
        ev.interaction
            .message_component()
            .expect("component")
            .data
            .custom_id,
        "ack:1"
    );
    let fields: Map<String, Value> = serde_json::from_value(json!({ "comment": "fine" })).unwrap();
    crate::sim::interactions_for_tests::modal(&st, member, channel, "m:1", &fields, None);
    let Ok(crate::sim::state::GatewayEvent::Dispatch { data, .. }) = rx.try_recv() else {
        panic!("no dispatch")
    };
    let s::Event::InteractionCreate(ev) = parse_event("INTERACTION_CREATE", data) else {
        panic!()
    };
    assert_eq!(
        ev.interaction.modal_submit().expect("modal").data.custom_id,
        "m:1"
    );
}

#[test]
fn reactions_member_adds_dm_channels_and_lists_parse() {
    let st = state();
    let (guild, member, channel) = ids(&st);
    let mut inner = st.lock();
    let dm = inner.dm_channel(member);
    let c: s::PrivateChannel = parse(payloads::channel(&inner.channels[&dm].clone(), &inner));
    assert_eq!(c.recipient.name, "Claire");
    let r = parse_event(
        "MESSAGE_REACTION_ADD",
        payloads::reaction_add(&inner, member, channel, 5, "👍"),
    );
    assert!(matches!(r, s::Event::ReactionAdd(_)));
    let m = parse_event(
        "GUILD_MEMBER_ADD",
        payloads::member_add(&inner, guild, member),
    );
    assert!(matches!(m, s::Event::GuildMemberAdd(_)));
    let members: Vec<s::Member> = parse(Value::Array(
        inner
            .guild_members(guild)
            .map(|(u, _)| payloads::member(&inner, guild, u, true))
            .collect(),
    ));
    assert!(members.len() > 10);
    let roles: Vec<s::Role> = parse(Value::Array(
        inner.guild_roles(guild).map(payloads::role).collect(),
    ));
    assert!(roles.iter().any(|r| r.name == "Manager"));
    let user: s::CurrentUser = parse(payloads::user(&inner.users[&inner.bot_id].clone()));
    assert!(user.bot);
}

#[test]
fn member_chunks_and_a_message_with_the_bots_reactions_parse() {
    let st = state();
    let (guild, member, channel) = ids(&st);
    let request = json!({ "guild_id": guild.to_string(), "query": "", "limit": 0, "nonce": "n1" });
    let chunks = payloads::member_chunks(&st.lock(), &request);
    let total = st.lock().guild_members(guild).count();
    let s::Event::GuildMembersChunk(chunk) = parse_event("GUILD_MEMBERS_CHUNK", chunks[0].clone())
    else {
        panic!("not a member chunk")
    };
    assert_eq!(
        (chunk.members.len(), chunk.nonce.as_deref()),
        (total, Some("n1"))
    );
    let by_id = json!({ "guild_id": guild.to_string(), "user_ids": [member.to_string(), "1"] });
    let chunks = payloads::member_chunks(&st.lock(), &by_id);
    let s::Event::GuildMembersChunk(chunk) = parse_event("GUILD_MEMBERS_CHUNK", chunks[0].clone())
    else {
        panic!("not a member chunk")
    };
    assert_eq!(chunk.members.len(), 1);
    assert_eq!(chunk.not_found, vec![s::GenericId::new(1)]);
    let bot = st.lock().bot_id;
    let body = json!({ "content": "hi", "allowed_mentions": { "parse": [] } });
    let incoming = messages::Incoming {
        body,
        files: vec![],
    };
    let messages::Outcome::Created(msg) = messages::create(&st, channel, bot, incoming, false)
    else {
        panic!()
    };
    let id: u64 = msg["id"].as_str().unwrap().parse().unwrap();
    st.lock()
        .messages
        .get_mut(&id)
        .unwrap()
        .bot_reactions
        .push("👍".into());
    let payload = {
        let inner = st.lock();
        payloads::message(&inner, &inner.messages[&id])
    };
    let m: s::Message = parse(payload);
    assert_eq!((m.reactions.len(), m.reactions[0].me), (1, true));
}
