//! ec2-default-sg-closed against the emulator: every trigger shape, rules read back with
//! DescribeSecurityGroups, "no write" proved at the recording proxy.

use aws_config::SdkConfig;
use aws_sdk_ec2::types::{Filter, IpPermission, IpRange, Tag, UserIdGroupPair};
use ec2_default_sg_closed::Ec2DefaultSgClosed;
use emulator_harness::*;
use remediation_core::{Outcome, Report, Runtime, TargetResult};
use serde_json::{json, Value};

type Rt = Runtime<Ec2DefaultSgClosed>;

/// The ids the events/ samples use.
const PLACEHOLDER_SG: &str = "sg-0123456789abcdef0";
const PLACEHOLDER_VPC: &str = "vpc-0123456789abcdef0";
const WEST: &str = "eu-west-1";
/// moto gives every network interface this `RequesterId` (AWS: the creator's principal id, or the
/// service, e.g. `amazon-elb`).
const MOTO_REQUESTER: &str = "AIDAIT2UOQQY3AUEMOTO";

fn ec2(config: &SdkConfig) -> aws_sdk_ec2::Client {
    aws_sdk_ec2::Client::new(config)
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// AWS's own ingress rule of a default group: its members may talk to each other. moto's default
/// groups lack it.
async fn add_self_rule(ec2: &aws_sdk_ec2::Client, group_id: &str) {
    ec2.authorize_security_group_ingress()
        .group_id(group_id)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("-1")
                .user_id_group_pairs(UserIdGroupPair::builder().group_id(group_id).build())
                .build(),
        )
        .send()
        .await
        .unwrap();
}

async fn default_group_of(ec2: &aws_sdk_ec2::Client, vpc_id: &str) -> String {
    let out = ec2
        .describe_security_groups()
        .filters(filter("vpc-id", vpc_id))
        .filters(filter("group-name", "default"))
        .send()
        .await
        .unwrap();
    out.security_groups()[0].group_id().unwrap().to_owned()
}

/// A new VPC whose default group has AWS's two rules (self-referencing in, all out).
async fn new_vpc(ec2: &aws_sdk_ec2::Client) -> (String, String) {
    let vpc = ec2.create_vpc().cidr_block("10.20.0.0/16").send().await.unwrap().vpc.unwrap().vpc_id.unwrap();
    let sg = default_group_of(ec2, &vpc).await;
    add_self_rule(ec2, &sg).await;
    (vpc, sg)
}

/// (inbound, outbound) rule counts as EC2 reports them.
async fn rules(ec2: &aws_sdk_ec2::Client, group_id: &str) -> (usize, usize) {
    let out = ec2.describe_security_groups().group_ids(group_id).send().await.unwrap();
    let g = &out.security_groups()[0];
    (g.ip_permissions().len(), g.ip_permissions_egress().len())
}

/// A network interface in the VPC that uses `group_id`.
async fn interface_in(ec2: &aws_sdk_ec2::Client, vpc: &str, group_id: &str, description: &str) -> String {
    let subnet =
        ec2.create_subnet().vpc_id(vpc).cidr_block("10.20.1.0/24").send().await.unwrap().subnet.unwrap().subnet_id;
    ec2.create_network_interface()
        .subnet_id(subnet.unwrap())
        .groups(group_id)
        .description(description)
        .send()
        .await
        .unwrap()
        .network_interface
        .unwrap()
        .network_interface_id
        .unwrap()
}

fn arn(group_id: &str, account: &str, region: &str) -> String {
    format!("arn:aws:ec2:{region}:{account}:security-group/{group_id}")
}

/// An events/ sample with its placeholder group, VPC and account replaced.
fn sample(file: &str, group_id: &str, vpc: &str, account: &str) -> Value {
    let text = event(&format!("ec2-default-sg-closed/{file}")).to_string();
    let text = text.replace(PLACEHOLDER_SG, group_id).replace(PLACEHOLDER_VPC, vpc).replace(ACCOUNT, account);
    serde_json::from_str(&text).unwrap()
}

fn only(report: &Report) -> &TargetResult {
    assert_eq!(report.results.len(), 1, "{report:#?}");
    &report.results[0]
}

fn result<'a>(report: &'a Report, group_id: &str) -> &'a TargetResult {
    report
        .results
        .iter()
        .find(|r| r.resource.ends_with(&format!(":security-group/{group_id}")))
        .unwrap_or_else(|| panic!("{group_id} not in {report:#?}"))
}

fn count(proxy: &Proxy, operation: &str) -> usize {
    proxy.requests().iter().filter(|r| r.operation == operation).count()
}

/// The EC2 calls the proxy saw (the STS call that learns the own account left out).
fn ec2_calls(proxy: &Proxy) -> Vec<String> {
    proxy.requests().into_iter().map(|r| r.operation).filter(|o| o != "GetCallerIdentity").collect()
}

/// The `before` of a default group with AWS's two rules.
fn open_state(group_id: &str, vpc: &str, account: &str, interfaces: Value) -> Value {
    json!({
        "GroupId": group_id, "GroupName": "default", "VpcId": vpc,
        "IpPermissions": [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": group_id, "UserId": account}]}],
        "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
        "NetworkInterfaces": interfaces
    })
}

fn closed_state(group_id: &str, vpc: &str) -> Value {
    json!({"GroupId": group_id, "GroupName": "default", "VpcId": vpc, "IpPermissions": [], "IpPermissionsEgress": []})
}

struct Setup {
    proxy: Proxy,
    config: SdkConfig,
    ec2: aws_sdk_ec2::Client,
}

async fn setup() -> Setup {
    let proxy = Proxy::start().await;
    let config = proxy.sdk_config(REGION).await;
    let ec2 = ec2(&config);
    Setup { proxy, config, ec2 }
}

#[tokio::test]
async fn every_group_trigger_shape_closes_the_default_group() {
    let s = setup().await;
    let subscriber = Subscriber::new(&s.config).await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[("NOTIFY_TOPIC_ARN", &subscriber.topic_arn)]).await;
    let files = [
        ("config-noncompliant.json", "config"),
        ("cloudtrail-authorize-ingress.json", "cloudtrail"),
        ("cloudtrail-authorize-egress.json", "cloudtrail"),
        ("securityhub.json", "securityhub"),
        ("manual.json", "manual"),
    ];
    for (file, kind) in files {
        let (vpc, sg) = new_vpc(&s.ec2).await;
        assert_eq!(rules(&s.ec2, &sg).await, (1, 1));
        let report = rt.handle(&sample(file, &sg, &vpc, ACCOUNT)).await.unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(serde_json::to_value(report.trigger).unwrap(), kind);
        let r = only(&report);
        assert_eq!(
            (r.outcome, r.resource.as_str()),
            (Outcome::Remediated, arn(&sg, ACCOUNT, REGION).as_str()),
            "{file}"
        );
        assert_eq!(
            r.detail,
            format!(
                "revoked 1 inbound rule (all traffic from {sg}) and 1 outbound rule (all traffic to 0.0.0.0/0) \
                 (before lists them to re-apply)"
            )
        );
        assert_eq!(r.before, open_state(&sg, &vpc, ACCOUNT, json!([])));
        assert_eq!(r.after, closed_state(&sg, &vpc));
        assert_eq!(rules(&s.ec2, &sg).await, (0, 0), "{file}: read back from EC2");
    }
    let messages = subscriber.messages().await;
    assert_eq!(messages.len(), files.len(), "one SNS message per invocation that changed something");
    for m in &messages {
        assert_eq!(m["MessageAttributes"]["control"]["Value"], "ec2-default-sg-closed");
        assert_eq!(m["MessageAttributes"]["outcome"]["Value"], "remediated");
    }
}

#[tokio::test]
async fn a_new_vpcs_default_group_is_found_from_the_vpc() {
    let s = setup().await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    for file in ["cloudtrail-create-vpc.json", "cloudtrail-create-default-vpc.json", "manual-vpc.json"] {
        let (vpc, sg) = new_vpc(&s.ec2).await;
        s.proxy.clear();
        let report = rt.handle(&sample(file, PLACEHOLDER_SG, &vpc, ACCOUNT)).await.unwrap();
        let r = only(&report);
        assert_eq!(
            (r.outcome, r.resource.as_str()),
            (Outcome::Remediated, arn(&sg, ACCOUNT, REGION).as_str()),
            "{file}"
        );
        // One DescribeSecurityGroups finds the group (by VPC) and is its state; one reads it back.
        assert_eq!(count(&s.proxy, "DescribeSecurityGroups"), 2, "{file}: {:?}", ec2_calls(&s.proxy));
        assert_eq!(rules(&s.ec2, &sg).await, (0, 0), "{file}");
    }
    // A VPC that does not exist (deleted before the event arrived).
    let report = rt.handle(&json!({"resource_id": "vpc-0fedcba9876543210"})).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::NotFound);
    assert_eq!(r.resource, format!("arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/vpc-0fedcba9876543210"));
}

#[tokio::test]
async fn a_group_in_use_needs_a_person_and_keeps_its_rules() {
    let s = setup().await;
    let (vpc, sg) = new_vpc(&s.ec2).await;
    let eni = interface_in(&s.ec2, &vpc, &sg, "ELB app/web/50dc6c495c0c9188").await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    s.proxy.clear();
    let report = rt.handle(&sample("config-noncompliant.json", &sg, &vpc, ACCOUNT)).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::NeedsAction, "{r:#?}");
    assert!(
        r.detail.contains(&format!(
            "{sg} of {vpc} is used by 1 network interface: {eni} (requester {MOTO_REQUESTER}, \"ELB app/web/50dc6c495c0c9188\")"
        )),
        "{}",
        r.detail
    );
    assert!(r.detail.contains("DEFAULT_SG_CLOSE_IN_USE=true"));
    assert_eq!(r.before["NetworkInterfaces"][0]["NetworkInterfaceId"], eni.as_str());
    assert_eq!(r.after, Value::Null);
    assert!(s.proxy.writes().is_empty(), "{:?}", s.proxy.writes());
    assert_eq!(ec2_calls(&s.proxy), ["DescribeSecurityGroups", "DescribeNetworkInterfaces"]);
    assert_eq!(rules(&s.ec2, &sg).await, (1, 1), "unchanged");

    // With DEFAULT_SG_CLOSE_IN_USE=true it is closed, and the report says who used it.
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[("DEFAULT_SG_CLOSE_IN_USE", "true")]).await;
    let report = rt.handle(&json!({ "resource_id": sg })).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::Remediated);
    assert!(
        r.detail.ends_with(&format!(
            "in use by 1 network interface: {eni} (requester {MOTO_REQUESTER}, \"ELB app/web/50dc6c495c0c9188\") (DEFAULT_SG_CLOSE_IN_USE=true)"
        )),
        "{}",
        r.detail
    );
    assert_eq!(rules(&s.ec2, &sg).await, (0, 0));
}

#[tokio::test]
async fn a_group_not_named_default_is_never_touched() {
    let s = setup().await;
    let (vpc, _) = new_vpc(&s.ec2).await;
    let web = s.ec2.create_security_group().group_name("web").description("web").vpc_id(&vpc).send().await.unwrap();
    let web = web.group_id.unwrap();
    s.ec2
        .authorize_security_group_ingress()
        .group_id(&web)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(443)
                .to_port(443)
                .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    for file in ["cloudtrail-authorize-ingress.json", "manual.json", "config-noncompliant.json"] {
        s.proxy.clear();
        let report = rt.handle(&sample(file, &web, &vpc, ACCOUNT)).await.unwrap();
        let r = only(&report);
        assert_eq!(r.outcome, Outcome::Exempt, "{file}");
        assert_eq!(r.detail, format!("{web} is \"web\", not a default security group: not ours"));
        assert_eq!(ec2_calls(&s.proxy), ["DescribeSecurityGroups"], "{file}: one read, no interface lookup");
        assert!(s.proxy.writes().is_empty());
    }
    assert_eq!(rules(&s.ec2, &web).await, (1, 1), "unchanged");

    // An Authorize call that names a group other than default by name is ignored without a call.
    let mut event = sample("cloudtrail-authorize-ingress.json", &web, &vpc, ACCOUNT);
    event["detail"]["requestParameters"] = json!({"groupName": "web", "ipPermissions": {}});
    s.proxy.clear();
    let report = rt.handle(&event).await.unwrap();
    assert!(report.results.is_empty());
    assert!(report.ignored.unwrap().contains("not a default security group"));
    assert!(s.proxy.requests().is_empty());
}

#[tokio::test]
async fn a_closed_group_costs_one_read() {
    let s = setup().await;
    let (vpc, sg) = new_vpc(&s.ec2).await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    rt.handle(&json!({ "resource_id": sg })).await.unwrap();
    s.proxy.clear();
    let report = rt.handle(&sample("cloudtrail-authorize-egress.json", &sg, &vpc, ACCOUNT)).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::AlreadyCompliant);
    assert_eq!(r.before, closed_state(&sg, &vpc));
    assert_eq!(ec2_calls(&s.proxy), ["DescribeSecurityGroups"]);
    assert!(s.proxy.writes().is_empty());
}

#[tokio::test]
async fn dry_run_and_exemptions_write_nothing() {
    let s = setup().await;
    let (vpc, sg) = new_vpc(&s.ec2).await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    s.proxy.clear();
    let report = rt.handle(&sample("manual-dry-run.json", &sg, &vpc, ACCOUNT)).await.unwrap();
    assert!(report.dry_run);
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::WouldRemediate);
    assert_eq!(r.before, open_state(&sg, &vpc, ACCOUNT, json!([])));
    let rt_dry: Rt = s.proxy.runtime(s.config.clone(), &[("DRY_RUN", "true")]).await;
    assert_eq!(only(&rt_dry.handle(&json!({ "resource_id": sg })).await.unwrap()).outcome, Outcome::WouldRemediate);

    // Exempt by tag (read from the same DescribeSecurityGroups) and by VPC id in EXEMPT_RESOURCES.
    let (_, tagged) = new_vpc(&s.ec2).await;
    s.ec2
        .create_tags()
        .resources(&tagged)
        .tags(Tag::builder().key("auto-remediation").value("skip").build())
        .send()
        .await
        .unwrap();
    let (listed_vpc, listed) = new_vpc(&s.ec2).await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[("EXEMPT_RESOURCES", &listed_vpc)]).await;
    s.proxy.clear();
    let report = rt.handle(&json!({ "resource_ids": [tagged, listed] })).await.unwrap();
    assert_eq!(result(&report, &tagged).outcome, Outcome::Exempt);
    assert_eq!(result(&report, &tagged).detail, "tagged auto-remediation=skip");
    assert_eq!(result(&report, &listed).detail, format!("{listed_vpc} is listed in EXEMPT_RESOURCES"));
    // The VPC id named directly (CreateVpc) is exempt before any call.
    let report = rt.handle(&json!({ "resource_id": listed_vpc })).await.unwrap();
    assert_eq!(only(&report).outcome, Outcome::Exempt);
    assert!(s.proxy.writes().is_empty(), "{:?}", s.proxy.writes());
    for group in [&sg, &tagged, &listed] {
        assert_eq!(rules(&s.ec2, group).await, (1, 1), "{group} untouched");
    }
}

#[tokio::test]
async fn sweeps_cover_every_default_group_of_the_target_regions() {
    let s = setup().await;
    let account = unique_account();
    let config = s.proxy.sdk_config_in(&account, REGION).await;
    let east = ec2(&config);
    let west = ec2(&s.proxy.sdk_config_in(&account, WEST).await);
    // moto's default VPC in each region has a default group too (all-egress rule only).
    let (_, east_a) = new_vpc(&east).await;
    let (_, east_b) = new_vpc(&east).await;
    let (_, west_a) = new_vpc(&west).await;
    let (closed_vpc, closed) = new_vpc(&west).await;
    let rt: Rt = s.proxy.runtime(config.clone(), &[]).await;
    rt.handle(&json!({ "resource_id": arn(&closed, &account, WEST) })).await.unwrap();
    assert_eq!(rules(&west, &closed).await, (0, 0));
    // A non-default group with rules is not part of the sweep.
    let web = east.create_security_group().group_name("web").description("web").send().await.unwrap().group_id.unwrap();

    let rt: Rt = s.proxy.runtime(config, &[("TARGET_REGIONS", &format!("{REGION},{WEST}"))]).await;
    s.proxy.clear();
    let report = rt.handle(&sample("schedule.json", "unused", "unused", &account)).await.unwrap();
    assert_eq!(report.results.len(), 6, "{report:#?}");
    for (group, region) in [(&east_a, REGION), (&east_b, REGION), (&west_a, WEST)] {
        let r = result(&report, group);
        assert_eq!((r.outcome, r.region.as_str(), r.account.as_str()), (Outcome::Remediated, region, account.as_str()));
    }
    assert_eq!(result(&report, &closed).outcome, Outcome::AlreadyCompliant);
    assert_eq!(result(&report, &closed).before, closed_state(&closed, &closed_vpc));
    let defaults: Vec<_> = report.results.iter().filter(|r| r.before["VpcId"] != json!(null)).collect();
    assert_eq!(defaults.len(), 6);
    assert!(!report.results.iter().any(|r| r.resource.ends_with(&web)));
    assert_eq!(
        report.results.iter().filter(|r| r.outcome == Outcome::Remediated).count(),
        5,
        "moto's default VPCs too"
    );
    // Per region one listing; per open group one interface lookup, its revokes and one read-back.
    assert_eq!(count(&s.proxy, "DescribeSecurityGroups"), 2 + 5);
    assert_eq!(count(&s.proxy, "DescribeNetworkInterfaces"), 5);
    assert_eq!(count(&s.proxy, "RevokeSecurityGroupIngress"), 3, "moto's default VPCs' groups have no ingress");
    assert_eq!(count(&s.proxy, "RevokeSecurityGroupEgress"), 5);
    for (ec2, group) in [(&east, &east_a), (&east, &east_b), (&west, &west_a)] {
        assert_eq!(rules(ec2, group).await, (0, 0));
    }

    // An Authorize call naming `default` by name only (the default VPC) does not say which VPC: the
    // event's region is swept.
    let mut event = sample("cloudtrail-authorize-ingress.json", "unused", "unused", &account);
    event["detail"]["requestParameters"] = json!({"groupName": "default", "ipPermissions": {}});
    s.proxy.clear();
    let report = rt.handle(&event).await.unwrap();
    assert_eq!(report.results.len(), 3, "{report:#?}");
    assert!(report.results.iter().all(|r| r.outcome == Outcome::AlreadyCompliant && r.region == REGION));
    assert!(s.proxy.writes().is_empty());
}

#[tokio::test]
async fn a_rule_gone_between_read_and_revoke_is_not_an_error() {
    let s = setup().await;
    let (_, sg) = new_vpc(&s.ec2).await;
    s.ec2
        .authorize_security_group_ingress()
        .group_id(&sg)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .ip_ranges(IpRange::builder().cidr_ip("203.0.113.0/24").description("office").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    // The first all-in-one revoke meets a rule someone else removed: AWS refuses the whole call.
    s.proxy.inject(Fault {
        matches: |r| r.operation == "RevokeSecurityGroupIngress",
        status: 400,
        body: "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>InvalidPermission.NotFound\
               </Code><Message>The specified rule does not exist in this security group.</Message></Error></Errors>\
               <RequestID>injected</RequestID></Response>"
            .into(),
        times: Some(1),
    });
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    s.proxy.clear();
    let report = rt.handle(&json!({ "resource_id": sg })).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::Remediated, "{r:#?}");
    assert!(
        r.detail.starts_with(&format!("revoked 2 inbound rules (all traffic from {sg}; tcp 22 from 203.0.113.0/24)")),
        "{}",
        r.detail
    );
    assert_eq!(
        r.before["IpPermissions"][1]["IpRanges"],
        json!([{"CidrIp": "203.0.113.0/24", "Description": "office"}])
    );
    assert_eq!(count(&s.proxy, "RevokeSecurityGroupIngress"), 1 + 2, "all at once, then one by one");
    assert_eq!(rules(&s.ec2, &sg).await, (0, 0));
}

#[tokio::test]
async fn missing_groups_and_ignored_events() {
    let s = setup().await;
    let rt: Rt = s.proxy.runtime(s.config.clone(), &[]).await;
    let report = rt.handle(&json!({"resource_id": "sg-0fedcba9876543210"})).await.unwrap();
    assert_eq!(only(&report).outcome, Outcome::NotFound);
    s.proxy.clear();
    let report = rt.handle(&sample("cloudtrail-failed.json", PLACEHOLDER_SG, PLACEHOLDER_VPC, ACCOUNT)).await.unwrap();
    assert!(report.ignored.unwrap().contains("Client.UnauthorizedOperation"));
    let mut created = sample("cloudtrail-create-vpc.json", PLACEHOLDER_SG, PLACEHOLDER_VPC, ACCOUNT);
    created["detail"]["responseElements"] = Value::Null;
    let report = rt.handle(&created).await.unwrap();
    assert!(report.ignored.unwrap().contains("names no resource"));
    assert!(s.proxy.requests().is_empty());
    let bad =
        s.proxy.try_runtime::<Ec2DefaultSgClosed>(s.config.clone(), &[("DEFAULT_SG_CLOSE_IN_USE", "maybe")], None);
    assert_eq!(bad.err().map(|e| e.error_type()), Some("InvalidConfig"));
}

/// Every rule of the group, one line per peer, sorted: how EC2 groups them does not matter.
async fn rule_lines(ec2: &aws_sdk_ec2::Client, group_id: &str) -> (Vec<String>, Vec<String>) {
    let out = ec2.describe_security_groups().group_ids(group_id).send().await.unwrap();
    let g = &out.security_groups()[0];
    let lines = |permissions: &[IpPermission]| {
        let mut lines = Vec::new();
        for p in permissions {
            let what = format!("{} {:?}-{:?}", p.ip_protocol().unwrap_or("?"), p.from_port(), p.to_port());
            for r in p.ip_ranges() {
                lines.push(format!("{what} {} {:?}", r.cidr_ip().unwrap_or("?"), r.description()));
            }
            for r in p.ipv6_ranges() {
                lines.push(format!("{what} {} {:?}", r.cidr_ipv6().unwrap_or("?"), r.description()));
            }
            for r in p.user_id_group_pairs() {
                lines.push(format!("{what} {} {:?}", r.group_id().unwrap_or("?"), r.description()));
            }
        }
        lines.sort();
        lines
    };
    (lines(g.ip_permissions()), lines(g.ip_permissions_egress()))
}

/// EC2 writes the proxy saw since the last `clear` (the ledger's DynamoDB writes left out).
fn ec2_writes(proxy: &Proxy) -> Vec<String> {
    let ec2 = |r: &Request| r.body.contains("Version=2016-11-15");
    let mut writes: Vec<String> = proxy.writes().into_iter().filter(ec2).map(|r| r.operation).collect();
    writes.sort();
    writes
}

/// A default group with AWS's two rules and three more (descriptions, IPv6, an outbound port).
async fn open_group(ec2: &aws_sdk_ec2::Client) -> String {
    let (_, sg) = new_vpc(ec2).await;
    let range = |ip: &str, description: &str| IpRange::builder().cidr_ip(ip).description(description).build();
    ec2.authorize_security_group_ingress()
        .group_id(&sg)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .ip_ranges(range("203.0.113.0/24", "office"))
                .ip_ranges(range("198.51.100.7/32", "bastion"))
                .build(),
        )
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(443)
                .to_port(443)
                .ipv6_ranges(aws_sdk_ec2::types::Ipv6Range::builder().cidr_ipv6("2001:db8::/32").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    ec2.authorize_security_group_egress()
        .group_id(&sg)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("udp")
                .from_port(53)
                .to_port(53)
                .ip_ranges(range("10.0.0.2/32", "dns"))
                .build(),
        )
        .send()
        .await
        .unwrap();
    sg
}

/// A runtime with a ledger table of its own (`LEDGER_TABLE`), for undo.
async fn with_ledger(s: &Setup) -> Rt {
    let table = ledger_table(&s.config).await;
    s.proxy.runtime(s.config.clone(), &[("LEDGER_TABLE", &table)]).await
}

/// Closes `sg` and returns the action id.
async fn close(rt: &Rt, sg: &str) -> String {
    let report = rt.handle(&json!({ "resource_id": sg })).await.unwrap();
    let r = only(&report);
    assert_eq!(r.outcome, Outcome::Remediated, "{r:?}");
    r.action_id.clone().expect("an action id with LEDGER_TABLE")
}

#[tokio::test]
async fn undo_authorizes_again_exactly_the_revoked_rules() {
    let s = setup().await;
    let rt = with_ledger(&s).await;
    let sg = open_group(&s.ec2).await;
    let before = rule_lines(&s.ec2, &sg).await;
    assert_eq!((before.0.len(), before.1.len()), (4, 2), "{before:?}");
    let action = close(&rt, &sg).await;
    assert_eq!(rules(&s.ec2, &sg).await, (0, 0));
    s.proxy.clear();
    let report = rt.handle(&undo(&action)).await.unwrap();
    let r = only(&report);
    assert_eq!((r.outcome, r.resource.as_str()), (Outcome::Undone, arn(&sg, ACCOUNT, REGION).as_str()), "{r:?}");
    assert!(
        r.detail.starts_with(&format!(
            "authorized again the 3 inbound rules (all traffic from {sg}; tcp 22 from 203.0.113.0/24, \
             198.51.100.7/32; tcp 443 from 2001:db8::/32) and 2 outbound rules (all traffic to 0.0.0.0/0; udp 53 to \
             10.0.0.2/32) the fix revoked (undo of action {action}"
        )),
        "{}",
        r.detail
    );
    assert_eq!(rule_lines(&s.ec2, &sg).await, before, "read back from EC2: the same rules, descriptions included");
    assert_eq!(ec2_writes(&s.proxy), ["AuthorizeSecurityGroupEgress", "AuthorizeSecurityGroupIngress"]);

    // Undone once: a second undo is refused without a write.
    s.proxy.clear();
    let again = rt.handle(&undo(&action)).await.unwrap_err();
    assert_eq!(again.error_type(), "RemediationFailed");
    assert!(ec2_writes(&s.proxy).is_empty());
}

#[tokio::test]
async fn undo_of_a_group_changed_since_the_fix_writes_nothing() {
    let s = setup().await;
    let rt = with_ledger(&s).await;
    let (vpc, sg) = new_vpc(&s.ec2).await;
    let action = close(&rt, &sg).await;
    // Someone opens port 80 to the world after the fix: undo must not add the old rules beside it.
    s.ec2
        .authorize_security_group_ingress()
        .group_id(&sg)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(80)
                .to_port(80)
                .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let changed = rule_lines(&s.ec2, &sg).await;
    s.proxy.clear();
    let err = rt.handle(&undo(&action)).await.unwrap_err();
    assert_eq!(err.error_type(), "RemediationFailed");
    let text = err.to_string();
    assert!(text.contains("changed since action"), "{text}");
    let fixed = closed_state(&sg, &vpc).to_string();
    assert!(text.contains(&fixed), "the state the fix left: {text}");
    assert!(text.contains("\"FromPort\":80"), "the state now: {text}");
    assert!(ec2_writes(&s.proxy).is_empty(), "no EC2 write: {:?}", s.proxy.requests());
    assert_eq!(rule_lines(&s.ec2, &sg).await, changed);
}

#[tokio::test]
async fn an_undo_ec2_refuses_leaves_the_group_closed() {
    let s = setup().await;
    let rt = with_ledger(&s).await;
    let sg = open_group(&s.ec2).await;
    let before = rule_lines(&s.ec2, &sg).await;
    let action = close(&rt, &sg).await;
    // The outbound rules go back, then the inbound ones are refused: the outbound ones are revoked again.
    s.proxy.inject(Fault {
        matches: |r| r.operation == "AuthorizeSecurityGroupIngress",
        status: 400,
        body: "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>\
               RulesPerSecurityGroupLimitExceeded</Code><Message>The maximum number of rules per security group has \
               been reached.</Message></Error></Errors><RequestID>injected</RequestID></Response>"
            .into(),
        times: Some(1),
    });
    s.proxy.clear();
    let err = rt.handle(&undo(&action)).await.unwrap_err();
    assert_eq!(err.error_type(), "RemediationFailed");
    let text = err.to_string();
    assert!(
        text.contains("ec2:AuthorizeSecurityGroupIngress") && text.contains("RulesPerSecurityGroupLimitExceeded"),
        "{text}"
    );
    assert!(text.contains(&format!("so {sg} is closed as the fix left it")), "{text}");
    assert_eq!(s.proxy.injected(), 1);
    assert_eq!(rules(&s.ec2, &sg).await, (0, 0), "read back from EC2: not half open");
    // The refused inbound rules are revoked too (a refused call may have added some: moto half-applies
    // a failing multi-rule revoke), rule by rule here, as none was added.
    let writes = ec2_writes(&s.proxy);
    let revoked = |op: &str| writes.iter().filter(|w| *w == op).count();
    assert_eq!(revoked("AuthorizeSecurityGroupEgress"), 1, "{writes:?}");
    assert_eq!(revoked("RevokeSecurityGroupEgress"), 1, "{writes:?}");
    assert_eq!(revoked("RevokeSecurityGroupIngress"), 1 + 3, "{writes:?}");

    // Nothing was marked undone: once the cause is gone, the same undo works.
    let report = rt.handle(&undo(&action)).await.unwrap();
    assert_eq!(only(&report).outcome, Outcome::Undone, "{report:#?}");
    assert_eq!(rule_lines(&s.ec2, &sg).await, before);
}

#[tokio::test]
async fn bad_input_makes_no_aws_call() {
    let (rejected, ignored) = bad_input_makes_no_call::<Ec2DefaultSgClosed>().await;
    assert!(rejected > 50 && ignored > 10, "{rejected} rejected, {ignored} ignored");
}
