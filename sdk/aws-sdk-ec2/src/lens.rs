
pub(crate) fn reflens_describe_network_interfaces_output_output_next_token(
    input: &crate::operation::describe_network_interfaces::DescribeNetworkInterfacesOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_token {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn reflens_describe_security_groups_output_output_next_token(
    input: &crate::operation::describe_security_groups::DescribeSecurityGroupsOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_token {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn reflens_describe_snapshots_output_output_next_token(
    input: &crate::operation::describe_snapshots::DescribeSnapshotsOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_token {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_describe_network_interfaces_output_output_network_interfaces(
    input: crate::operation::describe_network_interfaces::DescribeNetworkInterfacesOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::NetworkInterface>> {
    let input = input.network_interfaces?;
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_describe_security_groups_output_output_security_groups(
    input: crate::operation::describe_security_groups::DescribeSecurityGroupsOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::SecurityGroup>> {
    let input = input.security_groups?;
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_describe_snapshots_output_output_snapshots(
    input: crate::operation::describe_snapshots::DescribeSnapshotsOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::Snapshot>> {
    let input = input.snapshots?;
    ::std::option::Option::Some(input)
}
