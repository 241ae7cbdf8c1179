//! VPC default security groups with any rule (EC2.2): revoke every inbound and outbound rule, unless
//! network interfaces still use the group (then a person decides, unless `DEFAULT_SG_CLOSE_IN_USE=true`).

use std::fmt;

use aws_config::SdkConfig;
use aws_sdk_ec2::types::{Filter, IpPermission, IpRange, Ipv6Range, PrefixListId, UserIdGroupPair};
use remediation_core::config::is_account_id;
use remediation_core::wiring::{ConfigRule, Permission, Setting, Wiring};
use remediation_core::{
    ApiCall, Arn, AwsError, Control, Cx, Description, Error, Resolved, ResourceRef, Result, Settings,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The name AWS gives every VPC's default group (and reserves: no other group can take it).
const DEFAULT_GROUP_NAME: &str = "default";
/// Network interfaces kept in the state (and named in `detail`); more are counted, not listed.
const MAX_LISTED_INTERFACES: usize = 25;
const GROUP_NOT_FOUND: &[&str] = &["InvalidGroup.NotFound"];
const PERMISSION_NOT_FOUND: &[&str] = &["InvalidPermission.NotFound"];

pub struct Ec2DefaultSgClosed {
    /// `DEFAULT_SG_CLOSE_IN_USE`: also close a group that network interfaces use.
    close_in_use: bool,
}

/// What an event names: a security group, or a VPC whose default group is meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupRef {
    /// `sg-…`, with what a DescribeSecurityGroups answer already said about it (sweep, locate).
    Group { group_id: String, listed: Option<Box<Listed>> },
    /// `vpc-…` (CreateVpc, CreateDefaultVpc): `locate` finds its default group.
    OfVpc { vpc_id: String },
}

impl GroupRef {
    pub fn group(group_id: impl Into<String>) -> Self {
        GroupRef::Group { group_id: group_id.into(), listed: None }
    }

    pub fn vpc(vpc_id: impl Into<String>) -> Self {
        GroupRef::OfVpc { vpc_id: vpc_id.into() }
    }

    fn listed(&self) -> Option<&Listed> {
        match self {
            GroupRef::Group { listed, .. } => listed.as_deref(),
            GroupRef::OfVpc { .. } => None,
        }
    }
}

impl fmt::Display for GroupRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupRef::Group { group_id, .. } => f.write_str(group_id),
            GroupRef::OfVpc { vpc_id } => f.write_str(vpc_id),
        }
    }
}

/// One DescribeSecurityGroups entry: the rules, and what `describe` needs (owner, tags).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    rules: GroupRules,
    owner_id: Option<String>,
    tags: Vec<(String, String)>,
}

/// The group's rules, in DescribeSecurityGroups' own shape: `IpPermissions` and
/// `IpPermissionsEgress` can be given back as they are to `aws ec2 authorize-security-group-ingress
/// --group-id <GroupId> --ip-permissions '<IpPermissions>'` (and `-egress`) to restore them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupRules {
    pub group_id: String,
    pub group_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    pub ip_permissions: Vec<Rule>,
    pub ip_permissions_egress: Vec<Rule>,
    /// The interfaces that use the group; looked up only for a default group that has rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_interfaces: Option<Vec<NetworkInterface>>,
    /// More interfaces use it than `network_interfaces` lists.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub more_network_interfaces: bool,
}

impl GroupRules {
    fn is_default(&self) -> bool {
        self.group_name == DEFAULT_GROUP_NAME
    }

    fn has_rules(&self) -> bool {
        !self.ip_permissions.is_empty() || !self.ip_permissions_egress.is_empty()
    }

    fn in_use(&self) -> &[NetworkInterface] {
        self.network_interfaces.as_deref().unwrap_or_default()
    }
}

/// An `IpPermission`, field for field (AWS's names), empty lists left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Rule {
    pub ip_protocol: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_ranges: Vec<Cidr>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ipv6_ranges: Vec<Cidr6>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prefix_list_ids: Vec<PrefixList>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_id_group_pairs: Vec<GroupPair>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Cidr {
    pub cidr_ip: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Cidr6 {
    pub cidr_ipv6: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PrefixList {
    pub prefix_list_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A rule naming a security group (the default group's own "members may talk to each other" rule).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupPair {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// Only when there is no id (EC2-Classic style references).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// What a person needs to find out what an interface belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkInterface {
    pub network_interface_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// The service that created it (`amazon-elb`, an account id…), when AWS manages it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requester_id: Option<String>,
}

impl fmt::Display for NetworkInterface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut about = Vec::new();
        if let Some(instance) = &self.instance_id {
            about.push(format!("instance {instance}"));
        }
        if let Some(kind) = self.interface_type.as_deref().filter(|k| *k != "interface") {
            about.push(format!("type {kind}"));
        }
        if let Some(requester) = &self.requester_id {
            about.push(format!("requester {requester}"));
        }
        if let Some(description) = self.description.as_deref().filter(|d| !d.is_empty()) {
            about.push(format!("{description:?}"));
        }
        if about.is_empty() {
            f.write_str(&self.network_interface_id)
        } else {
            write!(f, "{} ({})", self.network_interface_id, about.join(", "))
        }
    }
}

/// `prefix-` and 8 or 17 lowercase hex digits.
fn is_ec2_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix).and_then(|rest| rest.strip_prefix('-')).is_some_and(|hex| {
        matches!(hex.len(), 8 | 17) && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

fn is_group_id(id: &str) -> bool {
    is_ec2_id(id, "sg")
}

fn is_vpc_id(id: &str) -> bool {
    is_ec2_id(id, "vpc")
}

fn owned(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_owned)
}

fn rule_of(p: &IpPermission) -> Rule {
    Rule {
        ip_protocol: p.ip_protocol().unwrap_or("-1").to_owned(),
        from_port: p.from_port(),
        to_port: p.to_port(),
        ip_ranges: p
            .ip_ranges()
            .iter()
            .filter_map(|r| Some(Cidr { cidr_ip: r.cidr_ip()?.to_owned(), description: owned(r.description()) }))
            .collect(),
        ipv6_ranges: p
            .ipv6_ranges()
            .iter()
            .filter_map(|r| Some(Cidr6 { cidr_ipv6: r.cidr_ipv6()?.to_owned(), description: owned(r.description()) }))
            .collect(),
        prefix_list_ids: p
            .prefix_list_ids()
            .iter()
            .filter_map(|r| {
                Some(PrefixList { prefix_list_id: r.prefix_list_id()?.to_owned(), description: owned(r.description()) })
            })
            .collect(),
        user_id_group_pairs: p
            .user_id_group_pairs()
            .iter()
            .map(|g| GroupPair {
                group_id: owned(g.group_id()),
                group_name: if g.group_id().is_some() { None } else { owned(g.group_name()) },
                user_id: owned(g.user_id()),
                description: owned(g.description()),
            })
            .collect(),
    }
}

/// The rule as RevokeSecurityGroupIngress/Egress take it: exactly what was read, descriptions
/// included (AWS matches rules without them; the emulator needs them for group references).
fn permission_of(rule: &Rule) -> IpPermission {
    let mut p =
        IpPermission::builder().ip_protocol(&rule.ip_protocol).set_from_port(rule.from_port).set_to_port(rule.to_port);
    for r in &rule.ip_ranges {
        p = p.ip_ranges(IpRange::builder().cidr_ip(&r.cidr_ip).set_description(r.description.clone()).build());
    }
    for r in &rule.ipv6_ranges {
        p = p.ipv6_ranges(Ipv6Range::builder().cidr_ipv6(&r.cidr_ipv6).set_description(r.description.clone()).build());
    }
    for r in &rule.prefix_list_ids {
        p = p.prefix_list_ids(
            PrefixListId::builder().prefix_list_id(&r.prefix_list_id).set_description(r.description.clone()).build(),
        );
    }
    for g in &rule.user_id_group_pairs {
        p = p.user_id_group_pairs(
            UserIdGroupPair::builder()
                .set_group_id(g.group_id.clone())
                .set_group_name(g.group_name.clone())
                .set_user_id(g.user_id.clone())
                .set_description(g.description.clone())
                .build(),
        );
    }
    p.build()
}

/// `all traffic from sg-1`, `tcp 22 from 0.0.0.0/0`: one rule for a person to read.
fn summary(rule: &Rule, egress: bool) -> String {
    let what = match (rule.ip_protocol.as_str(), rule.from_port, rule.to_port) {
        ("-1", _, _) => "all traffic".to_owned(),
        // ICMP's "any type" is -1 / -1.
        (proto, Some(-1), Some(-1)) | (proto, None, _) => proto.to_owned(),
        (proto, Some(from), Some(to)) if from == to => format!("{proto} {from}"),
        (proto, Some(from), to) => format!("{proto} {from}-{}", to.unwrap_or(from)),
    };
    let peers: Vec<&str> = rule
        .ip_ranges
        .iter()
        .map(|r| r.cidr_ip.as_str())
        .chain(rule.ipv6_ranges.iter().map(|r| r.cidr_ipv6.as_str()))
        .chain(rule.prefix_list_ids.iter().map(|r| r.prefix_list_id.as_str()))
        .chain(rule.user_id_group_pairs.iter().filter_map(|g| g.group_id.as_deref().or(g.group_name.as_deref())))
        .collect();
    format!("{what} {} {}", if egress { "to" } else { "from" }, peers.join(", "))
}

fn rules_summary(rules: &[Rule], egress: bool, kind: &str) -> String {
    let listed: Vec<String> = rules.iter().map(|r| summary(r, egress)).collect();
    format!("{} {kind} rule{} ({})", rules.len(), if rules.len() == 1 { "" } else { "s" }, listed.join("; "))
}

fn interfaces_summary(state: &GroupRules) -> String {
    let used = state.in_use();
    let listed: Vec<String> = used.iter().map(ToString::to_string).collect();
    let more = if state.more_network_interfaces { " and more" } else { "" };
    format!(
        "{}{more} network interface{}: {}{more}",
        used.len(),
        if used.len() == 1 && !state.more_network_interfaces { "" } else { "s" },
        listed.join(", ")
    )
}

fn listing(g: &aws_sdk_ec2::types::SecurityGroup) -> Option<Listed> {
    Some(Listed {
        rules: GroupRules {
            group_id: g.group_id()?.to_owned(),
            group_name: g.group_name().unwrap_or_default().to_owned(),
            vpc_id: owned(g.vpc_id()),
            ip_permissions: g.ip_permissions().iter().map(rule_of).collect(),
            ip_permissions_egress: g.ip_permissions_egress().iter().map(rule_of).collect(),
            network_interfaces: None,
            more_network_interfaces: false,
        },
        owner_id: owned(g.owner_id()),
        tags: g
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_owned(), t.value().unwrap_or_default().to_owned())))
            .collect(),
    })
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

#[derive(Clone, Copy)]
enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    fn operation(self) -> &'static str {
        match self {
            Direction::Ingress => "ec2:RevokeSecurityGroupIngress",
            Direction::Egress => "ec2:RevokeSecurityGroupEgress",
        }
    }

    fn authorize_operation(self) -> &'static str {
        match self {
            Direction::Ingress => "ec2:AuthorizeSecurityGroupIngress",
            Direction::Egress => "ec2:AuthorizeSecurityGroupEgress",
        }
    }
}

/// Undo: the recorded rules of one direction in one call, exactly as they were read (descriptions
/// included).
async fn authorize(
    cx: &Cx<'_, aws_sdk_ec2::Client>,
    group_id: &str,
    rules: &[Rule],
    direction: Direction,
) -> std::result::Result<(), AwsError> {
    if rules.is_empty() {
        return Ok(());
    }
    let permissions = Some(rules.iter().map(permission_of).collect());
    let op = direction.authorize_operation();
    match direction {
        Direction::Ingress => cx
            .client
            .authorize_security_group_ingress()
            .group_id(group_id)
            .set_ip_permissions(permissions)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| AwsError::from_sdk(op, group_id, e)),
        Direction::Egress => cx
            .client
            .authorize_security_group_egress()
            .group_id(group_id)
            .set_ip_permissions(permissions)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| AwsError::from_sdk(op, group_id, e)),
    }
}

/// The rules as one entry per peer, in a fixed order: EC2 may group and order a group's rules
/// differently once they are authorized again, and they are still the same rules.
fn one_per_peer(rules: &[Rule]) -> Vec<String> {
    let bare = |r: &Rule| Rule {
        ip_ranges: vec![],
        ipv6_ranges: vec![],
        prefix_list_ids: vec![],
        user_id_group_pairs: vec![],
        ..r.clone()
    };
    let mut peers = Vec::new();
    for r in rules {
        let mut each: Vec<Rule> = Vec::new();
        each.extend(r.ip_ranges.iter().map(|p| Rule { ip_ranges: vec![p.clone()], ..bare(r) }));
        each.extend(r.ipv6_ranges.iter().map(|p| Rule { ipv6_ranges: vec![p.clone()], ..bare(r) }));
        each.extend(r.prefix_list_ids.iter().map(|p| Rule { prefix_list_ids: vec![p.clone()], ..bare(r) }));
        each.extend(r.user_id_group_pairs.iter().map(|p| Rule { user_id_group_pairs: vec![p.clone()], ..bare(r) }));
        if each.is_empty() {
            each.push(r.clone());
        }
        peers.extend(each.iter().map(|r| serde_json::to_string(r).unwrap_or_default()));
    }
    peers.sort();
    peers
}

/// How a revoke went: `Ok(false)` when the group was deleted meanwhile.
async fn revoke(
    cx: &Cx<'_, aws_sdk_ec2::Client>,
    group_id: &str,
    rules: &[Rule],
    direction: Direction,
) -> Result<bool> {
    if rules.is_empty() {
        return Ok(true);
    }
    // One call for all; AWS rejects the whole call (InvalidPermission.NotFound) when one rule is
    // already gone, and then each rule is revoked alone so a vanished one is not an error.
    match revoke_call(cx, group_id, rules.iter().map(permission_of).collect(), direction).await {
        Ok(()) => return Ok(true),
        Err(e) if e.is(GROUP_NOT_FOUND) => return Ok(false),
        Err(e) if e.is(PERMISSION_NOT_FOUND) => {}
        Err(e) => return Err(e.into()),
    }
    for rule in rules {
        match revoke_call(cx, group_id, vec![permission_of(rule)], direction).await {
            Ok(()) => {}
            Err(e) if e.is(GROUP_NOT_FOUND) => return Ok(false),
            Err(e) if e.is(PERMISSION_NOT_FOUND) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(true)
}

async fn revoke_call(
    cx: &Cx<'_, aws_sdk_ec2::Client>,
    group_id: &str,
    permissions: Vec<IpPermission>,
    direction: Direction,
) -> std::result::Result<(), AwsError> {
    let op = direction.operation();
    match direction {
        Direction::Ingress => cx
            .client
            .revoke_security_group_ingress()
            .group_id(group_id)
            .set_ip_permissions(Some(permissions))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| AwsError::from_sdk(op, group_id, e)),
        Direction::Egress => cx
            .client
            .revoke_security_group_egress()
            .group_id(group_id)
            .set_ip_permissions(Some(permissions))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| AwsError::from_sdk(op, group_id, e)),
    }
}

impl Ec2DefaultSgClosed {
    /// One DescribeSecurityGroups: by id, or a VPC's default group by filters. `None`: no such group.
    async fn find(&self, cx: &Cx<'_, aws_sdk_ec2::Client>, target: &GroupRef) -> Result<Option<Listed>> {
        let request = cx.client.describe_security_groups();
        let (request, wanted) = match target {
            GroupRef::Group { group_id, .. } => (request.group_ids(group_id), Some(group_id.as_str())),
            GroupRef::OfVpc { vpc_id } => {
                (request.filters(filter("vpc-id", vpc_id)).filters(filter("group-name", DEFAULT_GROUP_NAME)), None)
            }
        };
        let out = match request.send().await {
            Ok(out) => out,
            Err(e) => {
                let e = AwsError::from_sdk("ec2:DescribeSecurityGroups", target.to_string(), e);
                return if e.is(GROUP_NOT_FOUND) { Ok(None) } else { Err(e.into()) };
            }
        };
        Ok(out
            .security_groups()
            .iter()
            .filter(|g| wanted.is_none_or(|id| g.group_id() == Some(id)))
            .find_map(listing)
            .filter(|l| wanted.is_some() || l.rules.is_default()))
    }

    /// The interfaces that use the group, up to `MAX_LISTED_INTERFACES` (and whether there are more).
    /// With filters, EC2 may answer a page with fewer matches than asked, even none, and a token:
    /// only the last page proves there are none.
    async fn interfaces(
        &self,
        cx: &Cx<'_, aws_sdk_ec2::Client>,
        group_id: &str,
    ) -> Result<(Vec<NetworkInterface>, bool)> {
        let mut found = Vec::new();
        let mut token = None;
        loop {
            let page = cx
                .client
                .describe_network_interfaces()
                .filters(filter("group-id", group_id))
                .max_results(1000)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("ec2:DescribeNetworkInterfaces", group_id, e))?;
            for eni in page.network_interfaces() {
                let Some(id) = eni.network_interface_id() else { continue };
                if found.len() == MAX_LISTED_INTERFACES {
                    return Ok((found, true));
                }
                found.push(NetworkInterface {
                    network_interface_id: id.to_owned(),
                    description: owned(eni.description()),
                    interface_type: eni.interface_type().map(|t| t.as_str().to_owned()),
                    instance_id: owned(eni.attachment().and_then(|a| a.instance_id())),
                    requester_id: owned(eni.requester_id()),
                });
            }
            token = page.next_token().filter(|t| !t.is_empty()).map(str::to_owned);
            if token.is_none() {
                return Ok((found, false));
            }
        }
    }

    /// The rules listed, plus the interfaces when they matter (a default group with rules).
    async fn with_interfaces(&self, cx: &Cx<'_, aws_sdk_ec2::Client>, listed: &Listed) -> Result<GroupRules> {
        let mut rules = listed.rules.clone();
        if rules.is_default() && rules.has_rules() {
            let (interfaces, more) = self.interfaces(cx, &rules.group_id).await?;
            rules.network_interfaces = Some(interfaces);
            rules.more_network_interfaces = more;
        }
        Ok(rules)
    }
}

impl Control for Ec2DefaultSgClosed {
    type Target = GroupRef;
    type State = GroupRules;
    type Client = aws_sdk_ec2::Client;

    const NAME: &'static str = "ec2-default-sg-closed";
    const EVENT_NAMES: &'static [&'static str] =
        &["AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "CreateVpc", "CreateDefaultVpc"];
    const CONFIG_RESOURCE_TYPES: &'static [&'static str] = &["AWS::EC2::SecurityGroup"];
    const SECURITY_HUB_CONTROLS: &'static [&'static str] = &["EC2.2"];
    const WIRING: Wiring = Wiring {
        summary: "Revokes every inbound and outbound rule of VPC default security groups, unless network interfaces use them (EC2.2).",
        event_source: "aws.ec2",
        cloudtrail_source: "ec2.amazonaws.com",
        global_service: false,
        config_rules: &[ConfigRule {
            identifier: "VPC_DEFAULT_SECURITY_GROUP_CLOSED",
            name: "vpc-default-security-group-closed",
            resource_types: &["AWS::EC2::SecurityGroup"],
            input_parameters: "",
        }],
        settings: &[Setting::new(
            "DEFAULT_SG_CLOSE_IN_USE",
            "false",
            "true - also empty a default security group that network interfaces use (their traffic stops). false - report it needs_action with the interfaces.",
        )
        .allowed(&["true", "false"])],
        permissions: &[
            // Authorize: only to undo a fix (`{"undo": "<action id>"}`), the rules it revoked.
            Permission::allow(
                "DefaultSecurityGroups",
                &[
                    "ec2:RevokeSecurityGroupIngress",
                    "ec2:RevokeSecurityGroupEgress",
                    "ec2:AuthorizeSecurityGroupIngress",
                    "ec2:AuthorizeSecurityGroupEgress",
                ],
                "arn:${AWS::Partition}:ec2:*:${AWS::AccountId}:security-group/*",
            ),
            Permission::allow(
                "DefaultSecurityGroupsNoResourceType",
                &["ec2:DescribeSecurityGroups", "ec2:DescribeNetworkInterfaces"],
                "*",
            ),
        ],
        timeout: 300,
        timeout_why: "A sweep lists the default groups of every target region (one per VPC) and makes 2-5 calls per open group, 16 at a time.",
    };

    fn new(settings: &Settings) -> Result<Self> {
        Ok(Ec2DefaultSgClosed { close_in_use: settings.flag("DEFAULT_SG_CLOSE_IN_USE", false)? })
    }

    fn client(config: &SdkConfig) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::new(config)
    }

    fn resolve(&self, r: &ResourceRef) -> Result<Resolved<GroupRef>, String> {
        if r.is_account() {
            // A CloudTrail call that names its group only by name (the default VPC's), or an account.
            let named = r.id.strip_prefix("AWS::::Account:").unwrap_or(&r.id).to_owned();
            if !is_account_id(&named) {
                return Err(format!("{:?} does not name an account", r.id));
            }
            return match (&r.account, &r.resource_type) {
                (Some(account), _) if *account != named => {
                    Err(format!("{:?} names account {named}, but the event is for account {account}", r.id))
                }
                (None, None) => Err(format!(
                    "{:?} is an account id: to check every default security group of an account use \
                     {{\"sweep\": true, \"account_id\": \"{named}\"}}",
                    r.id
                )),
                _ => Ok(Resolved::Sweep),
            };
        }
        if let Some(arn) = Arn::parse(&r.id) {
            let target = match (arn.service, arn.resource.split_once('/')) {
                ("ec2", Some(("security-group", id))) if is_group_id(id) => GroupRef::group(id),
                ("ec2", Some(("vpc", id))) if is_vpc_id(id) => GroupRef::vpc(id),
                _ => {
                    return Err(format!(
                        "{} is not a security group ARN (arn:aws:ec2:<region>:<account>:security-group/sg-...)",
                        r.id
                    ))
                }
            };
            if let Some(account) = arn.account().filter(|a| !is_account_id(a)) {
                return Err(format!("{}: {account:?} is not a 12-digit account id", r.id));
            }
            return Ok(Resolved::Target { target, account: arn.account(), region: arn.region() });
        }
        if is_group_id(&r.id) {
            return Ok(Resolved::target(GroupRef::group(&r.id)));
        }
        if is_vpc_id(&r.id) {
            return Ok(Resolved::target(GroupRef::vpc(&r.id)));
        }
        Err(format!("{:?} is not a security group id (sg-...), security group ARN or VPC id (vpc-...)", r.id))
    }

    fn arn(&self, target: &GroupRef, partition: &str, account: &str, region: &str) -> String {
        match target {
            GroupRef::Group { group_id, .. } => {
                format!("arn:{partition}:ec2:{region}:{account}:security-group/{group_id}")
            }
            GroupRef::OfVpc { vpc_id } => format!("arn:{partition}:ec2:{region}:{account}:vpc/{vpc_id}"),
        }
    }

    /// An Authorize call that names its group only by name (the default VPC): a name other than
    /// `default` cannot be a default group.
    fn ignore_call(&self, call: &ApiCall) -> Option<String> {
        let params = &call.request_parameters;
        if params.get("groupId").is_some_and(|v| !v.is_null()) {
            return None;
        }
        let name = params.get("groupName").and_then(Value::as_str)?;
        (name != DEFAULT_GROUP_NAME)
            .then(|| format!("{} changed group {name:?}, not a default security group", call.event_name))
    }

    /// CreateVpc / CreateDefaultVpc name the new VPC only in their answer; its default group is
    /// found by `locate`.
    fn call_resources(&self, call: &ApiCall) -> Option<Vec<String>> {
        if !matches!(call.event_name.as_str(), "CreateVpc" | "CreateDefaultVpc") {
            return None;
        }
        let vpc_id = call.response_elements.pointer("/vpc/vpcId").and_then(Value::as_str);
        Some(vpc_id.map(str::to_owned).into_iter().collect())
    }

    /// Every default group of the region: one per VPC, listed with their rules and tags, so a closed
    /// group costs no further call.
    async fn sweep(&self, cx: &Cx<'_, aws_sdk_ec2::Client>) -> Result<Vec<GroupRef>> {
        let mut groups = Vec::new();
        let mut token = None;
        loop {
            let page = cx
                .client
                .describe_security_groups()
                .filters(filter("group-name", DEFAULT_GROUP_NAME))
                .max_results(1000)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| {
                    AwsError::from_sdk(
                        "ec2:DescribeSecurityGroups",
                        format!("default security groups of {} in {}", cx.account, cx.region),
                        e,
                    )
                })?;
            for listed in page.security_groups().iter().filter_map(listing) {
                // The filter is the sweep's scope: anything else that comes back is not listed.
                if listed.rules.is_default() {
                    groups.push(GroupRef::Group {
                        group_id: listed.rules.group_id.clone(),
                        listed: Some(Box::new(listed)),
                    });
                }
            }
            token = page.next_token().filter(|t| !t.is_empty()).map(str::to_owned);
            if token.is_none() {
                return Ok(groups);
            }
        }
    }

    /// A group id as it is (one DescribeSecurityGroups, kept for `read_before` and `describe`); a
    /// VPC id becomes its default group's id.
    async fn locate(
        &self,
        cx: &Cx<'_, aws_sdk_ec2::Client>,
        target: GroupRef,
    ) -> Result<Option<(GroupRef, Option<String>)>> {
        if target.listed().is_some() {
            return Ok(Some((target, None)));
        }
        let Some(listed) = self.find(cx, &target).await? else {
            return Ok(None);
        };
        let group_id = listed.rules.group_id.clone();
        Ok(Some((GroupRef::Group { group_id, listed: Some(Box::new(listed)) }, None)))
    }

    async fn describe(&self, cx: &Cx<'_, aws_sdk_ec2::Client>, target: &GroupRef) -> Result<Option<Description>> {
        let listed = match target.listed() {
            Some(l) => l.clone(),
            None => match self.find(cx, target).await? {
                Some(l) => l,
                None => return Ok(None),
            },
        };
        let rules = &listed.rules;
        let not_ours = if !rules.is_default() {
            Some(format!("{} is {:?}, not a default security group: not ours", rules.group_id, rules.group_name))
        } else {
            listed.owner_id.as_deref().filter(|owner| *owner != cx.account).map(|owner| {
                format!("owned by account {owner}, not {}: only its owner can change its rules", cx.account)
            })
        };
        let partition = remediation_core::config::partition_of(cx.region);
        let mut names =
            vec![format!("arn:{partition}:ec2:{}:{}:security-group/{}", cx.region, cx.account, rules.group_id)];
        // EXEMPT_RESOURCES may name the VPC whose default group it is.
        names.extend(rules.vpc_id.clone());
        Ok(Some(Description { tags: listed.tags, names, not_ours }))
    }

    async fn read(&self, cx: &Cx<'_, aws_sdk_ec2::Client>, target: &GroupRef) -> Result<Option<GroupRules>> {
        let Some(listed) = self.find(cx, target).await? else {
            return Ok(None);
        };
        self.with_interfaces(cx, &listed).await.map(Some)
    }

    /// The rules `locate` or the sweep just read; the interfaces are looked up now.
    async fn read_before(&self, cx: &Cx<'_, aws_sdk_ec2::Client>, target: &GroupRef) -> Result<Option<GroupRules>> {
        match target.listed() {
            Some(listed) => self.with_interfaces(cx, listed).await.map(Some),
            None => self.read(cx, target).await,
        }
    }

    /// A default group with no rule. Any other group is never compliant here, so that `describe`
    /// reports it as not this control's (and it is never written).
    fn is_compliant(&self, state: &GroupRules) -> bool {
        state.is_default() && !state.has_rules()
    }

    fn needs_action(&self, state: &GroupRules) -> Option<String> {
        if self.close_in_use || state.in_use().is_empty() {
            return None;
        }
        Some(format!(
            "the default security group {} of {} is used by {}. Closing it would cut their traffic: give them \
             security groups of their own and run again, or set DEFAULT_SG_CLOSE_IN_USE=true",
            state.group_id,
            state.vpc_id.as_deref().unwrap_or("its VPC"),
            interfaces_summary(state)
        ))
    }

    async fn fix(&self, cx: &Cx<'_, aws_sdk_ec2::Client>, _target: &GroupRef, state: &GroupRules) -> Result<String> {
        let group_id = &state.group_id;
        let gone = "the security group was deleted before its rules could be revoked";
        if !revoke(cx, group_id, &state.ip_permissions, Direction::Ingress).await? {
            return Ok(gone.into());
        }
        if !revoke(cx, group_id, &state.ip_permissions_egress, Direction::Egress).await? {
            return Ok(gone.into());
        }
        let mut done = Vec::new();
        if !state.ip_permissions.is_empty() {
            done.push(rules_summary(&state.ip_permissions, false, "inbound"));
        }
        if !state.ip_permissions_egress.is_empty() {
            done.push(rules_summary(&state.ip_permissions_egress, true, "outbound"));
        }
        let mut detail = format!("revoked {} (before lists them to re-apply)", done.join(" and "));
        if !state.in_use().is_empty() {
            detail.push_str(&format!("; in use by {} (DEFAULT_SG_CLOSE_IN_USE=true)", interfaces_summary(state)));
        }
        Ok(detail)
    }

    /// Undo: authorize again exactly the rules the fix revoked (the recorded `before`), outbound then
    /// inbound. The engine calls it only while the group is still as the fix left it (no rule), so these
    /// are all its rules. If EC2 refuses any of them, every rule authorized so far is revoked again: the
    /// group is left closed, as the fix left it, never half open.
    async fn restore(
        &self,
        cx: &Cx<'_, aws_sdk_ec2::Client>,
        _target: &GroupRef,
        before: &GroupRules,
        now: &GroupRules,
    ) -> Result<String> {
        let group_id = now.group_id.as_str();
        if before.group_id != group_id {
            return Err(Error::Target(format!(
                "the recorded before is of {}, not of {group_id}: nothing was written",
                before.group_id
            )));
        }
        // A group named only by name (EC2-Classic style) cannot be authorized in a VPC's group.
        let by_name: Vec<String> = before
            .ip_permissions
            .iter()
            .chain(&before.ip_permissions_egress)
            .flat_map(|r| &r.user_id_group_pairs)
            .filter(|g| g.group_id.is_none())
            .filter_map(|g| g.group_name.clone())
            .collect();
        if !by_name.is_empty() {
            return Err(Error::NeedsAction(format!(
                "{group_id}: the recorded rules name security group(s) {} by name only, which a VPC security group \
                 cannot authorize; nothing was written. Re-create the rules you need by hand from this action's \
                 before, with the groups' ids",
                by_name.join(", ")
            )));
        }
        let steps = [(&before.ip_permissions_egress, Direction::Egress), (&before.ip_permissions, Direction::Ingress)];
        for (i, (rules, direction)) in steps.iter().enumerate() {
            let Err(e) = authorize(cx, group_id, rules, *direction).await else {
                continue;
            };
            // This call too: a call EC2 refused may still have added some of its rules.
            let mut rolled_back = Ok(true);
            for (rules, direction) in steps[..=i].iter().rev() {
                rolled_back = rolled_back.and(revoke(cx, group_id, rules, *direction).await);
            }
            return Err(Error::NeedsAction(match rolled_back {
                Ok(_) => format!(
                    "{e}; every rule authorized before the refusal was revoked again, so {group_id} is closed as the \
                     fix left it. Authorize the rules of this action's before by hand once the cause is fixed (e.g. \
                     a referenced group deleted, a rules-per-group limit)"
                ),
                Err(again) => format!(
                    "{e}; then revoking the rules authorized so far failed too ({again}): {group_id} may have part of \
                     its recorded rules back. Compare it with this action's before and revoke or authorize by hand"
                ),
            }));
        }
        let mut done = Vec::new();
        if !before.ip_permissions.is_empty() {
            done.push(rules_summary(&before.ip_permissions, false, "inbound"));
        }
        if !before.ip_permissions_egress.is_empty() {
            done.push(rules_summary(&before.ip_permissions_egress, true, "outbound"));
        }
        Ok(format!("authorized again the {} the fix revoked", done.join(" and ")))
    }

    /// The same rules as before, however EC2 groups and orders them now. The interfaces that use the
    /// group are not part of what undo puts back.
    fn is_restored(&self, before: &GroupRules, after: &GroupRules) -> bool {
        before.group_id == after.group_id
            && one_per_peer(&before.ip_permissions) == one_per_peer(&after.ip_permissions)
            && one_per_peer(&before.ip_permissions_egress) == one_per_peer(&after.ip_permissions_egress)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const SG: &str = "sg-0123456789abcdef0";
    const VPC: &str = "vpc-0123456789abcdef0";

    fn control(close_in_use: bool) -> Ec2DefaultSgClosed {
        Ec2DefaultSgClosed { close_in_use }
    }

    fn resolve(id: &str, resource_type: Option<&str>, account: Option<&str>) -> Result<Resolved<GroupRef>, String> {
        let r = ResourceRef {
            id: id.into(),
            resource_type: resource_type.map(Into::into),
            account: account.map(Into::into),
            ..Default::default()
        };
        control(false).resolve(&r)
    }

    #[test]
    fn resolves_group_ids_arns_and_vpcs() {
        assert_eq!(resolve(SG, None, None), Ok(Resolved::target(GroupRef::group(SG))));
        assert_eq!(resolve("sg-0123abcd", None, None), Ok(Resolved::target(GroupRef::group("sg-0123abcd"))));
        assert_eq!(resolve(VPC, None, None), Ok(Resolved::target(GroupRef::vpc(VPC))));
        assert_eq!(
            resolve(
                &format!("arn:aws:ec2:eu-west-1:111122223333:security-group/{SG}"),
                Some("AwsEc2SecurityGroup"),
                None
            ),
            Ok(Resolved::Target {
                target: GroupRef::group(SG),
                account: Some("111122223333".into()),
                region: Some("eu-west-1".into())
            })
        );
        assert_eq!(
            resolve(&format!("arn:aws:ec2:us-east-1:123456789012:vpc/{VPC}"), None, None),
            Ok(Resolved::Target {
                target: GroupRef::vpc(VPC),
                account: Some("123456789012".into()),
                region: Some("us-east-1".into())
            })
        );
    }

    #[test]
    fn account_resources_mean_a_sweep() {
        let account = "123456789012";
        assert_eq!(resolve(account, Some("AWS::::Account"), Some(account)), Ok(Resolved::Sweep));
        assert!(resolve(account, None, None).unwrap_err().contains("\"sweep\": true"));
        assert!(resolve(account, Some("AWS::::Account"), Some("111122223333")).is_err());
    }

    #[test]
    fn rejects_what_is_not_a_group() {
        for bad in [
            "",
            "sg-",
            "sg-0123",
            "sg-0123456789ABCDEF0",
            "sg-0123456789abcdef0x",
            "default",
            "subnet-0123456789abcdef0",
            "arn:aws:ec2:us-east-1:123456789012:security-group-rule/sgr-0123456789abcdef0",
            "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0123456789abcdef0",
            "arn:aws:s3:::sg-0123456789abcdef0",
            "arn:aws:ec2:us-east-1:12:security-group/sg-0123456789abcdef0",
            "arn:aws:ec2:us-east-1:123456789012:security-group/sg-nothex00",
        ] {
            assert!(resolve(bad, None, None).is_err(), "{bad}");
        }
    }

    fn call(event_name: &str, params: Value, response: Value) -> ApiCall {
        ApiCall {
            event_name: event_name.into(),
            request_parameters: params,
            response_elements: response,
            ..Default::default()
        }
    }

    #[test]
    fn new_vpcs_are_named_by_the_answer() {
        let c = control(false);
        let created = json!({"requestId": "r", "vpc": {"vpcId": VPC, "isDefault": false}});
        for name in ["CreateVpc", "CreateDefaultVpc"] {
            assert_eq!(
                c.call_resources(&call(name, json!({"cidrBlock": "10.0.0.0/16"}), created.clone())),
                Some(vec![VPC.into()])
            );
            assert_eq!(c.call_resources(&call(name, json!({}), Value::Null)), Some(vec![]));
            assert_eq!(c.call_resources(&call(name, json!({}), json!({"vpc": {"vpcId": 7}}))), Some(vec![]));
        }
        let authorize = call("AuthorizeSecurityGroupIngress", json!({"groupId": SG}), json!({"_return": true}));
        assert_eq!(c.call_resources(&authorize), None);
    }

    #[test]
    fn authorize_by_a_name_other_than_default_is_ignored() {
        let c = control(false);
        let by_id = call("AuthorizeSecurityGroupIngress", json!({"groupId": SG, "groupName": "web"}), Value::Null);
        assert_eq!(c.ignore_call(&by_id), None);
        let default = call("AuthorizeSecurityGroupIngress", json!({"groupName": "default"}), Value::Null);
        assert_eq!(c.ignore_call(&default), None);
        let web = call("AuthorizeSecurityGroupEgress", json!({"groupName": "web"}), Value::Null);
        assert!(c.ignore_call(&web).unwrap().contains("\"web\", not a default security group"));
    }

    fn self_rule() -> Rule {
        Rule {
            ip_protocol: "-1".into(),
            from_port: None,
            to_port: None,
            ip_ranges: vec![],
            ipv6_ranges: vec![],
            prefix_list_ids: vec![],
            user_id_group_pairs: vec![GroupPair {
                group_id: Some(SG.into()),
                group_name: None,
                user_id: Some("123456789012".into()),
                description: None,
            }],
        }
    }

    fn all_out() -> Rule {
        Rule {
            ip_ranges: vec![Cidr { cidr_ip: "0.0.0.0/0".into(), description: None }],
            user_id_group_pairs: vec![],
            ..self_rule()
        }
    }

    fn state(
        name: &str,
        ingress: Vec<Rule>,
        egress: Vec<Rule>,
        interfaces: Option<Vec<NetworkInterface>>,
    ) -> GroupRules {
        GroupRules {
            group_id: SG.into(),
            group_name: name.into(),
            vpc_id: Some(VPC.into()),
            ip_permissions: ingress,
            ip_permissions_egress: egress,
            network_interfaces: interfaces,
            more_network_interfaces: false,
        }
    }

    fn eni() -> NetworkInterface {
        NetworkInterface {
            network_interface_id: "eni-0123456789abcdef0".into(),
            description: Some("Primary network interface".into()),
            interface_type: Some("interface".into()),
            instance_id: Some("i-0123456789abcdef0".into()),
            requester_id: None,
        }
    }

    #[test]
    fn only_an_empty_default_group_is_compliant() {
        let c = control(false);
        assert!(c.is_compliant(&state("default", vec![], vec![], None)));
        assert!(!c.is_compliant(&state("default", vec![self_rule()], vec![], None)));
        assert!(!c.is_compliant(&state("default", vec![], vec![all_out()], None)));
        // Not ours: never compliant, so describe reports it (exempt), and it is never written.
        assert!(!c.is_compliant(&state("web", vec![], vec![], None)));
    }

    #[test]
    fn a_group_in_use_needs_a_person_unless_configured() {
        let used = state("default", vec![self_rule()], vec![all_out()], Some(vec![eni()]));
        let what = control(false).needs_action(&used).unwrap();
        assert!(what.contains("used by 1 network interface: eni-0123456789abcdef0 (instance i-0123456789abcdef0, \"Primary network interface\")"), "{what}");
        assert!(what.contains("DEFAULT_SG_CLOSE_IN_USE=true"), "{what}");
        assert_eq!(control(true).needs_action(&used), None);
        assert_eq!(control(false).needs_action(&state("default", vec![self_rule()], vec![], Some(vec![]))), None);
    }

    #[test]
    fn the_state_is_in_ip_permissions_form() {
        let s = state("default", vec![self_rule()], vec![all_out()], Some(vec![]));
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            json!({
                "GroupId": SG, "GroupName": "default", "VpcId": VPC,
                "IpPermissions": [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": SG, "UserId": "123456789012"}]}],
                "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
                "NetworkInterfaces": []
            })
        );
        let closed = state("default", vec![], vec![], None);
        assert_eq!(
            serde_json::to_value(&closed).unwrap(),
            json!({"GroupId": SG, "GroupName": "default", "VpcId": VPC, "IpPermissions": [], "IpPermissionsEgress": []})
        );
    }

    #[test]
    fn rules_round_trip_through_the_sdk_shape() {
        let tcp = Rule {
            ip_protocol: "tcp".into(),
            from_port: Some(22),
            to_port: Some(22),
            ip_ranges: vec![Cidr { cidr_ip: "203.0.113.0/24".into(), description: Some("office".into()) }],
            ipv6_ranges: vec![Cidr6 { cidr_ipv6: "2001:db8::/32".into(), description: None }],
            prefix_list_ids: vec![PrefixList { prefix_list_id: "pl-0123abcd".into(), description: None }],
            user_id_group_pairs: vec![],
        };
        for rule in [self_rule(), all_out(), tcp.clone()] {
            assert_eq!(rule_of(&permission_of(&rule)), rule);
        }
        assert_eq!(summary(&tcp, false), "tcp 22 from 203.0.113.0/24, 2001:db8::/32, pl-0123abcd");
        assert_eq!(summary(&self_rule(), false), format!("all traffic from {SG}"));
        assert_eq!(summary(&all_out(), true), "all traffic to 0.0.0.0/0");
        let range = Rule { from_port: Some(1000), to_port: Some(2000), ..tcp.clone() };
        assert!(summary(&range, false).starts_with("tcp 1000-2000 from"));
        let icmp = Rule { ip_protocol: "icmp".into(), from_port: Some(-1), to_port: Some(-1), ..tcp };
        assert!(summary(&icmp, false).starts_with("icmp from"));
    }

    /// Undo reads `before` back from the ledger's JSON: every shape the report writes gives the same state.
    #[test]
    fn state_round_trips_through_its_json() {
        let tcp = Rule {
            ip_protocol: "tcp".into(),
            from_port: Some(22),
            to_port: Some(22),
            ip_ranges: vec![Cidr { cidr_ip: "203.0.113.0/24".into(), description: Some("office".into()) }],
            ipv6_ranges: vec![Cidr6 { cidr_ipv6: "2001:db8::/32".into(), description: Some("v6".into()) }],
            prefix_list_ids: vec![PrefixList { prefix_list_id: "pl-0123abcd".into(), description: None }],
            user_id_group_pairs: vec![GroupPair {
                group_id: None,
                group_name: Some("legacy".into()),
                user_id: None,
                description: Some("by name".into()),
            }],
        };
        let mut many = state("default", vec![self_rule(), tcp], vec![all_out()], Some(vec![eni()]));
        many.more_network_interfaces = true;
        let no_vpc = GroupRules { vpc_id: None, ..state("default", vec![], vec![], None) };
        for s in [many, no_vpc, state("default", vec![self_rule()], vec![], Some(vec![]))] {
            let json = serde_json::to_value(&s).unwrap();
            let back: GroupRules = serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("{json}: {e}"));
            assert_eq!(back, s, "{json}");
        }
    }

    /// Undo resolves the report's `resource` (what `arn` wrote) back to the same target.
    #[test]
    fn report_names_resolve_to_the_same_target() {
        let c = control(false);
        for target in [GroupRef::group(SG), GroupRef::vpc(VPC)] {
            let name = c.arn(&target, "aws", "111122223333", "eu-west-1");
            let r = ResourceRef {
                id: name.clone(),
                account: Some("111122223333".into()),
                region: Some("eu-west-1".into()),
                ..Default::default()
            };
            assert_eq!(
                c.resolve(&r),
                Ok(Resolved::Target { target, account: Some("111122223333".into()), region: Some("eu-west-1".into()) }),
                "{name}"
            );
        }
    }

    #[test]
    fn restored_means_the_same_rules_however_grouped() {
        let c = control(false);
        let cidr = |ip: &str| Cidr { cidr_ip: ip.into(), description: None };
        let web = |ips: &[&str]| Rule {
            ip_protocol: "tcp".into(),
            from_port: Some(443),
            to_port: Some(443),
            ip_ranges: ips.iter().map(|ip| cidr(ip)).collect(),
            ..all_out()
        };
        let before = state("default", vec![self_rule(), web(&["10.0.0.0/8", "192.0.2.0/24"])], vec![all_out()], None);
        // Regrouped, reordered, and with the interfaces looked up now: the same rules.
        let regrouped = state(
            "default",
            vec![web(&["192.0.2.0/24"]), web(&["10.0.0.0/8"]), self_rule()],
            vec![all_out()],
            Some(vec![eni()]),
        );
        assert!(c.is_restored(&before, &regrouped));
        for short in [
            state("default", vec![self_rule(), web(&["10.0.0.0/8"])], vec![all_out()], None),
            state("default", vec![self_rule(), web(&["10.0.0.0/8", "192.0.2.0/24"])], vec![], None),
            state("default", vec![], vec![], None),
        ] {
            assert!(!c.is_restored(&before, &short), "{short:?}");
        }
        let described =
            Rule { ip_ranges: vec![Cidr { cidr_ip: "0.0.0.0/0".into(), description: Some("x".into()) }], ..all_out() };
        assert!(!c.is_restored(&before, &state("default", before.ip_permissions.clone(), vec![described], None)));
    }

    /// A rule naming a group by name only cannot be authorized in a VPC group: refused before any call
    /// (the client here has no endpoint or credentials, so a call would fail otherwise).
    #[tokio::test]
    async fn a_group_named_only_by_name_is_left_to_a_person() {
        let config = aws_sdk_ec2::Config::builder()
            .behavior_version_latest()
            .region(aws_sdk_ec2::config::Region::new("us-east-1"))
            .build();
        let client = aws_sdk_ec2::Client::from_conf(config);
        let cx =
            Cx { client: &client, account: "123456789012", region: "us-east-1", now: std::time::SystemTime::now() };
        let by_name = GroupPair { group_id: None, group_name: Some("legacy".into()), user_id: None, description: None };
        let legacy = Rule { user_id_group_pairs: vec![by_name], ..self_rule() };
        let before = state("default", vec![legacy], vec![all_out()], None);
        let now = state("default", vec![], vec![], None);
        let err = control(false).restore(&cx, &GroupRef::group(SG), &before, &now).await.unwrap_err();
        assert_eq!(err.error_type(), "NeedsAction");
        assert!(err.to_string().contains("name security group(s) legacy by name only"), "{err}");
        let elsewhere = GroupRules { group_id: "sg-0fedcba9876543210".into(), ..now };
        let err = control(false).restore(&cx, &GroupRef::group(SG), &before, &elsewhere).await.unwrap_err();
        assert!(err.to_string().contains("nothing was written"), "{err}");
    }

    #[test]
    fn ids_are_checked_by_shape() {
        assert!(is_group_id("sg-0123abcd") && is_group_id(SG));
        assert!(is_vpc_id(VPC) && !is_vpc_id(SG) && !is_group_id(VPC));
        assert!(!is_group_id("sgx-0123abcd") && !is_group_id("sg0123abcd"));
    }
}
