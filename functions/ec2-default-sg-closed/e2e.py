"""events/ec2-default-sg-closed: a new VPC whose default group has AWS's two rules.

moto's default groups have the all-outbound rule but not AWS's self-referencing inbound rule, so seed
adds it. The VPC-named events (CreateVpc, CreateDefaultVpc, manual-vpc) reach the group through its VPC.
"""

FUNCTION = "ec2-default-sg-closed"
ENV = {}
PLACEHOLDER_SG = "sg-0123456789abcdef0"
PLACEHOLDER_VPC = "vpc-0123456789abcdef0"

CASES = {
    "config-noncompliant.json": "remediated",
    "cloudtrail-authorize-ingress.json": "remediated",
    "cloudtrail-authorize-egress.json": "remediated",
    "cloudtrail-create-vpc.json": "remediated",
    "cloudtrail-create-default-vpc.json": "remediated",
    "cloudtrail-failed.json": "ignored",
    "securityhub.json": "remediated",
    "schedule.json": "remediated",
    "manual.json": "remediated",
    "manual-vpc.json": "remediated",
    "manual-sweep.json": "remediated",
    "manual-dry-run.json": "would_remediate",
}

SWEEPS = {"schedule.json", "manual-sweep.json"}


def default_groups(ec2, vpc_id=None):
    filters = [{"Name": "group-name", "Values": ["default"]}]
    if vpc_id:
        filters.append({"Name": "vpc-id", "Values": [vpc_id]})
    return ec2.describe_security_groups(Filters=filters)["SecurityGroups"]


def seed(aws, event_file):
    """A VPC whose default group allows all traffic between its members and all traffic out; in a
    sweep, moto's default VPC gets the inbound rule too."""
    ec2 = aws.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    vpcs = [vpc_id] + ([v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if v["IsDefault"]]
                       if event_file in SWEEPS else [])
    for vpc in vpcs:
        group_id = default_groups(ec2, vpc)[0]["GroupId"]
        ec2.authorize_security_group_ingress(
            GroupId=group_id, IpPermissions=[{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": group_id}]}])
    group_id = default_groups(ec2, vpc_id)[0]["GroupId"]
    return {PLACEHOLDER_SG: group_id, PLACEHOLDER_VPC: vpc_id}


def compliant(aws, event_file, ids):
    """No inbound and no outbound rule, read back with boto3 (every default group for a sweep)."""
    ec2 = aws.client("ec2")
    groups = default_groups(ec2) if event_file in SWEEPS else default_groups(ec2, ids[PLACEHOLDER_VPC])
    return bool(groups) and all(not g["IpPermissions"] and not g["IpPermissionsEgress"] for g in groups)
