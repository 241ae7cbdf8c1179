
pub use crate::types::_subnet_ipv6_cidr_block_association::SubnetIpv6CidrBlockAssociation;

pub use crate::types::_vpc_ipv6_cidr_block_association::VpcIpv6CidrBlockAssociation;

pub use crate::types::_vpc_cidr_block_association::VpcCidrBlockAssociation;

pub use crate::types::_volume_attachment_state::VolumeAttachmentState;

pub use crate::types::_volume_type::VolumeType;

pub use crate::types::_subnet::Subnet;

pub use crate::types::_vpc::Vpc;

pub use crate::types::_snapshot_location_enum::SnapshotLocationEnum;

pub use crate::types::_operator_request::OperatorRequest;

pub use crate::types::_network_interface_creation_type::NetworkInterfaceCreationType;

pub use crate::types::_connection_tracking_specification_request::ConnectionTrackingSpecificationRequest;

pub use crate::types::_network_interface::NetworkInterface;

pub use crate::types::_storage_tier::StorageTier;

pub use crate::types::_sse_type::SseType;

pub use crate::types::_transfer_type::TransferType;

pub use crate::types::_snapshot_state::SnapshotState;

pub use crate::types::_operator_response::OperatorResponse;

pub use crate::types::_volume_state::VolumeState;

pub use crate::types::_vpc_encryption_control_configuration::VpcEncryptionControlConfiguration;

pub use crate::types::_tenancy::Tenancy;

pub use crate::types::_vpc_encryption_control::VpcEncryptionControl;

pub use crate::types::_network_interface_attachment::NetworkInterfaceAttachment;

pub use crate::types::_snapshot_attribute_name::SnapshotAttributeName;

pub use crate::types::_vpc_encryption_control_exclusion_state_input::VpcEncryptionControlExclusionStateInput;

pub use crate::types::_operation_type::OperationType;

pub use crate::types::_hostname_type::HostnameType;

pub use crate::types::_create_volume_permission_modifications::CreateVolumePermissionModifications;

pub use crate::types::_vpc_encryption_control_mode::VpcEncryptionControlMode;

pub use crate::types::_tag_specification::TagSpecification;

pub use crate::types::_ipv4_prefix_specification::Ipv4PrefixSpecification;

pub use crate::types::_subnet_cidr_block_state::SubnetCidrBlockState;

pub use crate::types::_ipv6_address_attribute::Ipv6AddressAttribute;

pub use crate::types::_ip_source::IpSource;

pub use crate::types::_vpc_cidr_block_state::VpcCidrBlockState;

pub use crate::types::_attachment_status::AttachmentStatus;

pub use crate::types::_ip_permission::IpPermission;

pub use crate::types::_security_group_rule::SecurityGroupRule;

pub use crate::types::_tag::Tag;

pub use crate::types::_private_dns_name_options_on_launch::PrivateDnsNameOptionsOnLaunch;

pub use crate::types::_block_public_access_states::BlockPublicAccessStates;

pub use crate::types::_subnet_state::SubnetState;

pub use crate::types::_vpc_state::VpcState;

pub use crate::types::_ipv4_prefix_specification_request::Ipv4PrefixSpecificationRequest;

pub use crate::types::_ipv6_prefix_specification_request::Ipv6PrefixSpecificationRequest;

pub use crate::types::_private_ip_address_specification::PrivateIpAddressSpecification;

pub use crate::types::_instance_ipv6_address::InstanceIpv6Address;

pub use crate::types::_network_interface_association::NetworkInterfaceAssociation;

pub use crate::types::_connection_tracking_configuration::ConnectionTrackingConfiguration;

pub use crate::types::_network_interface_type::NetworkInterfaceType;

pub use crate::types::_public_ip_dns_name_options::PublicIpDnsNameOptions;

pub use crate::types::_network_interface_status::NetworkInterfaceStatus;

pub use crate::types::_volume_attachment::VolumeAttachment;

pub use crate::types::_vpc_encryption_control_state::VpcEncryptionControlState;

pub use crate::types::_vpc_encryption_control_exclusions::VpcEncryptionControlExclusions;

pub use crate::types::_filter::Filter;

pub use crate::types::_product_code::ProductCode;

pub use crate::types::_group_identifier::GroupIdentifier;

pub use crate::types::_attachment_ena_srd_specification::AttachmentEnaSrdSpecification;

pub use crate::types::_region::Region;

pub use crate::types::_security_group::SecurityGroup;

pub use crate::types::_create_volume_permission::CreateVolumePermission;

pub use crate::types::_snapshot::Snapshot;

pub use crate::types::_revoked_security_group_rule::RevokedSecurityGroupRule;

pub use crate::types::_resource_type::ResourceType;

pub use crate::types::_subnet_cidr_block_state_code::SubnetCidrBlockStateCode;

pub use crate::types::_vpc_cidr_block_state_code::VpcCidrBlockStateCode;

pub use crate::types::_referenced_security_group::ReferencedSecurityGroup;

pub use crate::types::_block_public_access_mode::BlockPublicAccessMode;

pub use crate::types::_network_interface_ipv6_address::NetworkInterfaceIpv6Address;

pub use crate::types::_network_interface_private_ip_address::NetworkInterfacePrivateIpAddress;

pub use crate::types::_ipv6_prefix_specification::Ipv6PrefixSpecification;

pub use crate::types::_vpc_encryption_control_exclusion::VpcEncryptionControlExclusion;

pub use crate::types::_vpc_encryption_control_exclusion_state::VpcEncryptionControlExclusionState;

pub use crate::types::_permission_group::PermissionGroup;

pub use crate::types::_product_code_values::ProductCodeValues;

pub use crate::types::_attachment_ena_srd_udp_specification::AttachmentEnaSrdUdpSpecification;

pub use crate::types::_user_id_group_pair::UserIdGroupPair;

pub use crate::types::_ip_range::IpRange;

pub use crate::types::_ipv6_range::Ipv6Range;

pub use crate::types::_prefix_list_id::PrefixListId;

pub use crate::types::_region_geography::RegionGeography;

mod _attachment_ena_srd_specification;

mod _attachment_ena_srd_udp_specification;

mod _attachment_status;

mod _block_public_access_mode;

mod _block_public_access_states;

mod _connection_tracking_configuration;

mod _connection_tracking_specification_request;

mod _create_volume_permission;

mod _create_volume_permission_modifications;

mod _filter;

mod _group_identifier;

mod _hostname_type;

mod _instance_ipv6_address;

mod _ip_permission;

mod _ip_range;

mod _ip_source;

mod _ipv4_prefix_specification;

mod _ipv4_prefix_specification_request;

mod _ipv6_address_attribute;

mod _ipv6_prefix_specification;

mod _ipv6_prefix_specification_request;

mod _ipv6_range;

mod _network_interface;

mod _network_interface_association;

mod _network_interface_attachment;

mod _network_interface_creation_type;

mod _network_interface_ipv6_address;

mod _network_interface_private_ip_address;

mod _network_interface_status;

mod _network_interface_type;

mod _operation_type;

mod _operator_request;

mod _operator_response;

mod _permission_group;

mod _prefix_list_id;

mod _private_dns_name_options_on_launch;

mod _private_ip_address_specification;

mod _product_code;

mod _product_code_values;

mod _public_ip_dns_name_options;

mod _referenced_security_group;

mod _region;

mod _region_geography;

mod _resource_type;

mod _revoked_security_group_rule;

mod _security_group;

mod _security_group_rule;

mod _snapshot;

mod _snapshot_attribute_name;

mod _snapshot_location_enum;

mod _snapshot_state;

mod _sse_type;

mod _storage_tier;

mod _subnet;

mod _subnet_cidr_block_state;

mod _subnet_cidr_block_state_code;

mod _subnet_ipv6_cidr_block_association;

mod _subnet_state;

mod _tag;

mod _tag_specification;

mod _tenancy;

mod _transfer_type;

mod _user_id_group_pair;

mod _volume_attachment;

mod _volume_attachment_state;

mod _volume_state;

mod _volume_type;

mod _vpc;

mod _vpc_cidr_block_association;

mod _vpc_cidr_block_state;

mod _vpc_cidr_block_state_code;

mod _vpc_encryption_control;

mod _vpc_encryption_control_configuration;

mod _vpc_encryption_control_exclusion;

mod _vpc_encryption_control_exclusion_state;

mod _vpc_encryption_control_exclusion_state_input;

mod _vpc_encryption_control_exclusions;

mod _vpc_encryption_control_mode;

mod _vpc_encryption_control_state;

mod _vpc_ipv6_cidr_block_association;

mod _vpc_state;

/// Builders
pub mod builders;
