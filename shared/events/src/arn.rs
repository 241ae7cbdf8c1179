//! ARNs as events carry them.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// `arn:partition:service:region:account:resource`; `None` for anything else.
    pub fn parse(s: &'a str) -> Option<Self> {
        let mut parts = s.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        let arn = Arn {
            partition: parts.next()?,
            service: parts.next()?,
            region: parts.next()?,
            account: parts.next()?,
            resource: parts.next()?,
        };
        (!arn.partition.is_empty() && !arn.service.is_empty()).then_some(arn)
    }

    pub fn region(&self) -> Option<String> {
        (!self.region.is_empty()).then(|| self.region.to_owned())
    }

    pub fn account(&self) -> Option<String> {
        (!self.account.is_empty()).then(|| self.account.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_arns() {
        let a = Arn::parse("arn:aws:kms:eu-west-1:123456789012:key/abc").unwrap();
        assert_eq!(
            (a.partition, a.service, a.region, a.account, a.resource),
            ("aws", "kms", "eu-west-1", "123456789012", "key/abc")
        );
        let b = Arn::parse("arn:aws:s3:::my-bucket").unwrap();
        assert_eq!((b.region(), b.account(), b.resource), (None, None, "my-bucket"));
        assert!(Arn::parse("my-bucket").is_none());
        assert!(Arn::parse("arn:aws:s3").is_none());
        assert!(Arn::parse("arn::s3:::x").is_none());
    }
}
