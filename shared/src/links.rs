//! Console links for the report: the resource a result names, and the Security Hub finding that
//! triggered the invocation. A function of the ARN alone, so every control gets them; a control whose
//! resource is not an ARN (an account or region setting) gives its own (`Control::console_url`).

/// The console's host in `partition`; `None` where there is no public console (ISO partitions).
pub fn console_host(partition: &str) -> Option<&'static str> {
    match partition {
        "aws" => Some("console.aws.amazon.com"),
        "aws-cn" => Some("console.amazonaws.cn"),
        "aws-us-gov" => Some("console.amazonaws-us-gov.com"),
        _ => None,
    }
}

/// `https://<console>/<path>` in the partition of `region`: for a control's own settings pages.
pub fn page(region: &str, path: &str) -> Option<String> {
    Some(format!("https://{}/{path}", console_host(crate::config::partition_of(region))?))
}

/// The resource's page in the console: the service's own page for the resource types the controls
/// handle, the console's "go to this ARN" page for other ARNs, `None` for what is not an ARN.
pub fn resource_url(resource: &str, region: &str) -> Option<String> {
    let mut parts = resource.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(service), Some(arn_region), Some(_account), Some(rest)) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let host = console_host(partition)?;
    let region = if arn_region.is_empty() { region } else { arn_region };
    let (kind, id) = rest.split_once(['/', ':']).unwrap_or(("", rest));
    let path = match (service, kind) {
        ("s3", "") => format!("s3/buckets/{}?region={region}", encode(rest)),
        ("kms", "key") => format!("kms/home?region={region}#/kms/keys/{}", encode(id)),
        ("ec2", "snapshot") => format!("ec2/home?region={region}#SnapshotDetails:snapshotId={}", encode(id)),
        ("ec2", "security-group") => format!("ec2/home?region={region}#SecurityGroup:groupId={}", encode(id)),
        ("ec2", "volume") => format!("ec2/home?region={region}#VolumeDetails:volumeId={}", encode(id)),
        ("ec2", "instance") => format!("ec2/home?region={region}#InstanceDetails:instanceId={}", encode(id)),
        ("iam", "user") => format!("iam/home#/users/details/{}", encode(id.rsplit('/').next().unwrap_or(id))),
        ("iam", "role") => format!("iam/home#/roles/details/{}", encode(id.rsplit('/').next().unwrap_or(id))),
        ("cloudtrail", "trail") => format!("cloudtrail/home?region={region}#/trails/{}", encode(resource)),
        ("guardduty", "detector") => format!("guardduty/home?region={region}#/settings"),
        _ => format!("go/view?arn={}", encode(resource)),
    };
    Some(format!("https://{host}/{path}"))
}

/// The finding in the Security Hub console: its findings page filtered on the finding's id (the
/// filter's value is URL-encoded twice, the form the console writes in its own address bar and the
/// one Automated Security Response on AWS links to).
pub fn finding_url(finding_id: &str, partition: &str, region: &str) -> Option<String> {
    let host = console_host(partition)?;
    let value = encode(&encode(&format!("\\operator\\:EQUALS\\:{finding_id}")));
    Some(format!("https://{host}/securityhub/home?region={region}#/findings?search=Id%3D{value}"))
}

/// Percent-encoding of everything but RFC 3986's unreserved characters.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_resource_type_links_to_its_page() {
        let cases = [
            ("arn:aws:s3:::my-bucket", "https://console.aws.amazon.com/s3/buckets/my-bucket?region=eu-west-1"),
            (
                "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                "https://console.aws.amazon.com/kms/home?region=us-east-1#/kms/keys/1234abcd-12ab-34cd-56ef-1234567890ab",
            ),
            (
                "arn:aws:ec2:us-east-1:123456789012:snapshot/snap-0123456789abcdef0",
                "https://console.aws.amazon.com/ec2/home?region=us-east-1#SnapshotDetails:snapshotId=snap-0123456789abcdef0",
            ),
            (
                "arn:aws:iam::123456789012:user/ops/alice",
                "https://console.aws.amazon.com/iam/home#/users/details/alice",
            ),
            (
                "arn:aws-us-gov:ec2:us-gov-west-1:123456789012:security-group/sg-1",
                "https://console.amazonaws-us-gov.com/ec2/home?region=us-gov-west-1#SecurityGroup:groupId=sg-1",
            ),
            (
                "arn:aws:dynamodb:us-east-1:123456789012:table/t",
                "https://console.aws.amazon.com/go/view?arn=arn%3Aaws%3Adynamodb%3Aus-east-1%3A123456789012%3Atable%2Ft",
            ),
        ];
        for (arn, url) in cases {
            assert_eq!(resource_url(arn, "eu-west-1").as_deref(), Some(url), "{arn}");
        }
        assert_eq!(resource_url("AWS::::Account:123456789012", "us-east-1"), None);
        assert_eq!(resource_url("arn:aws-iso:s3:::b", "us-iso-east-1"), None);
    }

    #[test]
    fn a_finding_links_to_the_findings_page_filtered_on_its_id() {
        let id = "arn:aws:securityhub:us-east-1:123456789012:security-control/S3.8/finding/0a1b";
        let url = finding_url(id, "aws", "us-east-1").unwrap();
        assert_eq!(
            url,
            "https://console.aws.amazon.com/securityhub/home?region=us-east-1#/findings?search=\
             Id%3D%255Coperator%255C%253AEQUALS%255C%253Aarn%253Aaws%253Asecurityhub%253Aus-east-1%253A\
             123456789012%253Asecurity-control%252FS3.8%252Ffinding%252F0a1b"
        );
    }
}
