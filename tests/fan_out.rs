//! Organization-wide sweeps against the emulator: an organization of 20 accounts (its management
//! account and 19 created ones) × 2 regions, with EBS encryption by default off everywhere (moto's
//! default). The coordinator lists the accounts through ORGANIZATION_ROLE_ARN and fills the sweep
//! queue; the test plays the event source mapping: it receives batches of ten, hands them to the
//! function as SQS events, deletes what succeeded and leaves the batch item failures to SQS, whose
//! redrive policy dead-letters them after three receives.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_sdk_sqs::types::QueueAttributeName;
use aws_types::region::Region;
use ebs_default_encryption::EbsDefaultEncryption;
use integration_tests::*;
use remediation_core::Runtime;
use serde_json::{json, Value};

type Rt = Runtime<EbsDefaultEncryption>;

const EU: &str = "eu-west-1";
const MEMBER_ROLE: &str = "RemediationMember";

/// The account whose member role is missing: AssumeRole into it is refused by the proxy.
static MISSING: OnceLock<String> = OnceLock::new();

fn assume_into_missing(r: &Request) -> bool {
    r.operation == "AssumeRole"
        && r.body.contains(MEMBER_ROLE)
        && MISSING.get().is_some_and(|account| r.body.contains(account.as_str()))
}

const ACCESS_DENIED: &str =
    "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>\
    <Code>AccessDenied</Code><Message>User is not authorized to perform: sts:AssumeRole on resource \
    RemediationMember</Message></Error><RequestId>x</RequestId></ErrorResponse>";

struct Org {
    proxy: Proxy,
    central: SdkConfig,
    management: String,
    /// Every account of the organization, the management account included.
    accounts: Vec<String>,
    queue_url: String,
    queue_arn: String,
    dlq_url: String,
    /// The queue's visibility timeout, s: how long a failed message stays away before it is received again.
    visibility: u32,
}

/// How long a received batch stays invisible while the test hands it to the function, s.
const HOLD: i32 = 300;

async fn queue_arn(sqs: &aws_sdk_sqs::Client, url: &str) -> String {
    let attrs = sqs.get_queue_attributes().queue_url(url).attribute_names(QueueAttributeName::QueueArn).send().await;
    attrs.unwrap().attributes().unwrap()[&QueueAttributeName::QueueArn].clone()
}

/// An organization of `size` accounts in a management account of its own, and a central account
/// with the sweep queue (visibility timeout `visibility` s, three receives, then the DLQ).
async fn organization(size: usize, visibility: u32) -> Org {
    let proxy = Proxy::start().await;
    let management = unique_account();
    let central = proxy.sdk_config_in(&unique_account(), REGION).await;
    let orgs = aws_sdk_organizations::Client::new(&proxy.sdk_config_in(&management, REGION).await);
    orgs.create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    for i in 1..size {
        let name = unique("member");
        orgs.create_account()
            .email(format!("{name}@example.com"))
            .account_name(format!("member-{i}"))
            .send()
            .await
            .unwrap();
    }
    let listed = orgs.list_accounts().send().await.unwrap();
    let mut accounts: Vec<String> = listed.accounts().iter().filter_map(|a| a.id().map(str::to_owned)).collect();
    accounts.sort();
    assert_eq!(accounts.len(), size, "{accounts:?}");
    let sqs = aws_sdk_sqs::Client::new(&central);
    let dlq_url = sqs.create_queue().queue_name(unique("sweeps-dlq")).send().await.unwrap().queue_url.unwrap();
    let dlq_arn = queue_arn(&sqs, &dlq_url).await;
    let redrive = json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3}).to_string();
    let queue_url = sqs
        .create_queue()
        .queue_name(unique("sweeps"))
        .attributes(QueueAttributeName::VisibilityTimeout, visibility.to_string())
        .attributes(QueueAttributeName::RedrivePolicy, redrive)
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let queue_arn = queue_arn(&sqs, &queue_url).await;
    Org { proxy, central, management, accounts, queue_url, queue_arn, dlq_url, visibility }
}

impl Org {
    async fn runtime(&self, extra: &[(&str, &str)]) -> Rt {
        let role = format!("arn:aws:iam::{}:role/OrganizationReader", self.management);
        let mut vars = vec![
            ("MEMBER_ROLE_NAME", MEMBER_ROLE),
            ("TARGET_REGIONS", "us-east-1,eu-west-1"),
            ("SWEEP_QUEUE_URL", self.queue_url.as_str()),
            ("ORGANIZATION_ROLE_ARN", role.as_str()),
        ];
        vars.extend_from_slice(extra);
        self.proxy.runtime(self.central.clone(), &vars).await
    }

    fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.central)
    }

    /// EBS encryption by default in each (account, region), read back with the account's own credentials.
    async fn encryption(&self) -> HashMap<(String, String), bool> {
        let mut out = HashMap::new();
        for account in &self.accounts {
            let conf = self.proxy.sdk_config_in(account, REGION).await;
            for region in [REGION, EU] {
                let ec2 = aws_sdk_ec2::Client::new(&conf.to_builder().region(Region::new(region)).build());
                let on = ec2.get_ebs_encryption_by_default().send().await.unwrap().ebs_encryption_by_default.unwrap();
                out.insert((account.clone(), region.to_owned()), on);
            }
        }
        out
    }

    /// One poll of the event source mapping: up to ten messages as an SQS event for `rt`; the
    /// successes deleted. Returns the bodies handled and the failed ones, or `None` on an empty poll.
    async fn poll_once(&self, rt: &Rt) -> Option<(Vec<Value>, Vec<Value>)> {
        let sqs = self.sqs();
        // Received for HOLD seconds, not the queue's short visibility timeout: a batch still being handled
        // (slow on a loaded CI machine) must not be delivered again to another instance meanwhile, which
        // the template rules out by a visibility timeout of six times the function's timeout. A failed
        // message is then given back after the queue's own timeout, as the mapping leaves it.
        let out = sqs
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(10)
            .visibility_timeout(HOLD)
            .send()
            .await
            .unwrap();
        let messages = out.messages();
        if messages.is_empty() {
            return None;
        }
        let records: Vec<Value> = messages
            .iter()
            .map(|m| {
                json!({"messageId": m.message_id(), "receiptHandle": m.receipt_handle(), "body": m.body(),
                       "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
                       "md5OfBody": m.md5_of_body(), "eventSource": "aws:sqs",
                       "eventSourceARN": self.queue_arn, "awsRegion": REGION})
            })
            .collect();
        let response = rt.invoke(&json!({ "Records": records })).await.expect("a batch is answered, not an error");
        let failed: HashSet<&str> = response["batchItemFailures"]
            .as_array()
            .expect("a partial-batch response")
            .iter()
            .map(|f| f["itemIdentifier"].as_str().unwrap())
            .collect();
        let (mut handled, mut failures) = (Vec::new(), Vec::new());
        for m in messages {
            let body: Value = serde_json::from_str(m.body().unwrap()).unwrap();
            if failed.contains(m.message_id().unwrap()) {
                sqs.change_message_visibility()
                    .queue_url(&self.queue_url)
                    .receipt_handle(m.receipt_handle().unwrap())
                    .visibility_timeout(self.visibility as i32)
                    .send()
                    .await
                    .unwrap();
                failures.push(body.clone());
            } else {
                sqs.delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(m.receipt_handle().unwrap())
                    .send()
                    .await
                    .unwrap();
            }
            handled.push(body);
        }
        Some((handled, failures))
    }

    /// The mapping with `instances` concurrent function instances, until the queue looks empty.
    async fn drain(&self, instances: &[Rt]) -> (Vec<Value>, Vec<Value>) {
        let runs = instances.iter().map(|rt| async move {
            let (mut handled, mut failed) = (Vec::new(), Vec::new());
            while let Some((h, f)) = self.poll_once(rt).await {
                handled.extend(h);
                failed.extend(f);
            }
            (handled, failed)
        });
        let mut all = (Vec::new(), Vec::new());
        for (h, f) in futures::future::join_all(runs).await {
            all.0.extend(h);
            all.1.extend(f);
        }
        all
    }

    async fn visible(&self, url: &str) -> usize {
        let attrs = self
            .sqs()
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .send()
            .await
            .unwrap();
        attrs.attributes().unwrap()[&QueueAttributeName::ApproximateNumberOfMessages].parse().unwrap()
    }
}

#[tokio::test]
async fn an_organization_sweep_fans_out_and_a_missing_role_is_dead_lettered() {
    let org = organization(20, 2).await;
    let missing = org.accounts.iter().find(|a| **a != org.management).unwrap().clone();
    MISSING.set(missing.clone()).unwrap();
    org.proxy.inject(Fault { matches: assume_into_missing, status: 403, body: ACCESS_DENIED.into(), times: None });
    let before = org.encryption().await;
    assert_eq!(before.len(), 40);
    assert!(before.values().all(|on| !on), "encryption by default is off everywhere before");

    let subscriber = Subscriber::new(&org.central).await;
    let coordinator = org.runtime(&[("NOTIFY_TOPIC_ARN", &subscriber.topic_arn)]).await;
    org.proxy.clear();
    let started = coordinator.invoke(&json!({"sweep": true, "accounts": "organization"})).await.unwrap();
    assert_eq!(started["summary"], "sweep of 20 accounts × 2 regions started, 40 messages", "{started:#}");
    assert_eq!((started["accounts"].as_u64(), started["messages"].as_u64()), (Some(20), Some(40)));
    assert_eq!(started["regions"], json!(["us-east-1", "eu-west-1"]));
    let ops: Vec<String> = org.proxy.requests().into_iter().map(|r| r.operation).collect();
    assert_eq!(ops.iter().filter(|o| *o == "SendMessageBatch").count(), 4, "batches of ten: {ops:?}");
    assert!(ops.contains(&"ListAccounts".to_owned()) && ops.contains(&"AssumeRole".to_owned()), "{ops:?}");
    assert!(!ops.iter().any(|o| o.contains("Ebs")), "the coordinator sweeps nothing itself: {ops:?}");
    assert_eq!(org.visible(&org.queue_url).await, 40);

    // Four function instances, as MaximumConcurrency 4 would run.
    let instances = [
        org.runtime(&[("NOTIFY_TOPIC_ARN", &subscriber.topic_arn)]).await,
        org.runtime(&[("NOTIFY_TOPIC_ARN", &subscriber.topic_arn)]).await,
        org.runtime(&[("NOTIFY_TOPIC_ARN", &subscriber.topic_arn)]).await,
        org.runtime(&[("NOTIFY_TOPIC_ARN", &subscriber.topic_arn)]).await,
    ];
    let (handled, failed) = org.drain(&instances).await;
    assert!(handled.len() >= 40, "{}", handled.len());
    assert!(!failed.is_empty());
    assert!(failed.iter().all(|b| b["account_id"] == missing.as_str()), "only the missing role's: {failed:?}");
    let after = org.encryption().await;
    for ((account, region), on) in &after {
        assert_eq!(*on, *account != missing, "{account} {region}");
    }
    assert_eq!(after.values().filter(|on| **on).count(), 38);

    // SQS gives the two failed messages back after the visibility timeout, three receives in all,
    // then moves them to the dead-letter queue.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut attempts: Vec<Value> = failed.clone();
    while org.visible(&org.dlq_url).await < 2 {
        assert!(Instant::now() < deadline, "not dead-lettered: {attempts:?}");
        match org.poll_once(&instances[0]).await {
            Some((_, f)) => attempts.extend(f),
            None => tokio::time::sleep(Duration::from_millis(300)).await,
        }
    }
    assert_eq!(org.visible(&org.queue_url).await, 0);
    assert_eq!(attempts.len(), 6, "two messages, three receives each: {attempts:?}");
    let regions: HashSet<&str> = attempts.iter().map(|b| b["region"].as_str().unwrap()).collect();
    assert_eq!(regions, HashSet::from([REGION, EU]));

    // One summary for the sweep, reports only for what is notable: 38 remediations, the failures.
    let published = subscriber.messages().await;
    let outcome = |m: &Value| m["MessageAttributes"]["outcome"]["Value"].as_str().unwrap_or_default().to_owned();
    let started: Vec<&Value> = published.iter().filter(|m| outcome(m) == "sweep_started").collect();
    assert_eq!(started.len(), 1, "{published:#?}");
    assert!(started[0]["Subject"].as_str().unwrap().ends_with("sweep of 20 accounts × 2 regions started, 40 messages"));
    assert_eq!(published.iter().filter(|m| outcome(m) == "remediated").count(), 38);
    let failures: Vec<&Value> = published.iter().filter(|m| outcome(m) == "failed").collect();
    assert_eq!(failures.len(), 6, "each failed attempt is reported");
    for f in failures {
        assert_eq!(f["MessageAttributes"]["account"]["Value"], missing.as_str());
        let text = f["Message"].as_str().unwrap();
        assert!(text.contains("AccessDenied") || text.contains("sts:AssumeRole"), "{text}");
    }
}

#[tokio::test]
async fn bad_messages_fail_alone_and_the_fan_out_needs_its_queue() {
    let org = organization(2, 30).await;
    let rt = org.runtime(&[]).await;
    let member = org.accounts.iter().find(|a| **a != org.management).unwrap();
    let good = json!({"control": "ebs-default-encryption", "account_id": member, "region": REGION}).to_string();
    let other = json!({"control": "s3-block-public-access", "account_id": member, "region": REGION}).to_string();
    let record = |id: &str, body: &str| {
        json!({"messageId": id, "receiptHandle": "h", "body": body, "attributes": {}, "messageAttributes": {},
               "eventSource": "aws:sqs", "eventSourceARN": org.queue_arn, "awsRegion": REGION})
    };
    let event =
        json!({"Records": [record("good", &good), record("garbled", "{\"control\":"), record("other", &other)]});
    let response = rt.invoke(&event).await.unwrap();
    assert_eq!(
        response,
        json!({"batchItemFailures": [{"itemIdentifier": "garbled"}, {"itemIdentifier": "other"}]}),
        "a bad body fails its own message (retried, then dead-lettered for a person to read), not the batch"
    );
    // The explicit list of the payload: no ListAccounts.
    org.proxy.clear();
    let started =
        rt.invoke(&json!({"sweep": true, "accounts": [member], "region": EU, "dry_run": true})).await.unwrap();
    assert_eq!(started["summary"], "sweep of 1 accounts × 1 regions started, 1 messages");
    assert!(!org.proxy.requests().iter().any(|r| r.operation == "ListAccounts"));
    let (handled, failed) = org.drain(std::slice::from_ref(&rt)).await;
    assert_eq!((handled.len(), failed.len()), (1, 0));
    assert_eq!(handled[0]["dry_run"], true);
    // Without SWEEP_QUEUE_URL the fan-out is refused before any call.
    let plain: Rt = org.proxy.runtime(org.central.clone(), &[("MEMBER_ROLE_NAME", MEMBER_ROLE)]).await;
    org.proxy.clear();
    let err = plain.invoke(&json!({"sweep": true, "accounts": "organization"})).await.unwrap_err();
    assert_eq!(err.error_type(), "InvalidEvent");
    assert!(err.to_string().contains("SWEEP_QUEUE_URL"), "{err}");
    assert!(org.proxy.requests().is_empty());
    // handle() keeps answering reports only.
    assert_eq!(plain.handle(&event).await.unwrap_err().error_type(), "InvalidEvent");
    // Malformed fan-out settings stop the cold start.
    for (k, v) in [("SWEEP_QUEUE_URL", "sweeps"), ("ORGANIZATION_ROLE_ARN", "OrgReader"), ("SWEEP_ACCOUNTS", "1,2")] {
        let err = org.proxy.try_runtime::<EbsDefaultEncryption>(org.central.clone(), &[(k, v)], None).err().unwrap();
        assert!(err.to_string().starts_with(k), "{err}");
    }
}

/// Bench (printed; `cargo test -p integration-tests --test fan_out -- --nocapture`): the 40 sweeps fanned
/// out to four instances in batches of ten, against one invocation that handles the 40 one at a time.
#[tokio::test]
async fn bench_fan_out_against_one_sequential_invocation() {
    // Fanned out: coordinator, then four instances.
    let org = organization(20, 30).await;
    let start = Instant::now();
    let coordinator = org.runtime(&[]).await;
    coordinator.invoke(&json!({"sweep": true, "accounts": "organization"})).await.unwrap();
    let instances = [org.runtime(&[]).await, org.runtime(&[]).await, org.runtime(&[]).await, org.runtime(&[]).await];
    let (handled, failed) = org.drain(&instances).await;
    let fanned = start.elapsed();
    assert_eq!((handled.len(), failed.len()), (40, 0));
    assert!(org.encryption().await.values().all(|on| *on));

    // Sequential: the same 40 messages in one batch, one invocation, one sweep at a time.
    let org = organization(20, 30).await;
    let start = Instant::now();
    let coordinator = org.runtime(&[]).await;
    coordinator.invoke(&json!({"sweep": true, "accounts": "organization"})).await.unwrap();
    let sqs = org.sqs();
    let mut records = Vec::new();
    while records.len() < 40 {
        let out = sqs.receive_message().queue_url(&org.queue_url).max_number_of_messages(10).send().await.unwrap();
        for m in out.messages() {
            records.push(json!({"messageId": m.message_id(), "receiptHandle": m.receipt_handle(), "body": m.body(),
                                "attributes": {}, "messageAttributes": {}, "eventSource": "aws:sqs",
                                "eventSourceARN": org.queue_arn, "awsRegion": REGION}));
        }
    }
    let one = org.runtime(&[("REMEDIATION_CONCURRENCY", "1")]).await;
    let response = one.invoke(&json!({ "Records": records })).await.unwrap();
    let sequential = start.elapsed();
    assert_eq!(response, json!({"batchItemFailures": []}));
    assert!(org.encryption().await.values().all(|on| *on));
    println!(
        "bench fan_out: 40 (account, region) sweeps: fanned out (4 instances, batches of 10) {:.2} s; one \
         invocation sequentially {:.2} s; speed-up {:.1}x",
        fanned.as_secs_f64(),
        sequential.as_secs_f64(),
        sequential.as_secs_f64() / fanned.as_secs_f64()
    );
}
