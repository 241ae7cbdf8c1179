
pub use crate::types::_subnet_ipv6_cidr_block_association::SubnetIpv6CidrBlockAssociationBuilder;

pub use crate::types::_vpc_ipv6_cidr_block_association::VpcIpv6CidrBlockAssociationBuilder;

pub use crate::types::_vpc_cidr_block_association::VpcCidrBlockAssociationBuilder;

pub use crate::types::_subnet::SubnetBuilder;

pub use crate::types::_vpc::VpcBuilder;

pub use crate::types::_operator_request::OperatorRequestBuilder;

pub use crate::types::_connection_tracking_specification_request::ConnectionTrackingSpecificationRequestBuilder;

pub use crate::types::_network_interface::NetworkInterfaceBuilder;

pub use crate::types::_operator_response::OperatorResponseBuilder;

pub use crate::types::_vpc_encryption_control_configuration::VpcEncryptionControlConfigurationBuilder;

pub use crate::types::_vpc_encryption_control::VpcEncryptionControlBuilder;

pub use crate::types::_network_interface_attachment::NetworkInterfaceAttachmentBuilder;

pub use crate::types::_create_volume_permission_modifications::CreateVolumePermissionModificationsBuilder;

pub use crate::types::_tag_specification::TagSpecificationBuilder;

pub use crate::types::_ipv4_prefix_specification::Ipv4PrefixSpecificationBuilder;

pub use crate::types::_subnet_cidr_block_state::SubnetCidrBlockStateBuilder;

pub use crate::types::_vpc_cidr_block_state::VpcCidrBlockStateBuilder;

pub use crate::types::_ip_permission::IpPermissionBuilder;

pub use crate::types::_security_group_rule::SecurityGroupRuleBuilder;

pub use crate::types::_tag::TagBuilder;

pub use crate::types::_private_dns_name_options_on_launch::PrivateDnsNameOptionsOnLaunchBuilder;

pub use crate::types::_block_public_access_states::BlockPublicAccessStatesBuilder;

pub use crate::types::_ipv4_prefix_specification_request::Ipv4PrefixSpecificationRequestBuilder;

pub use crate::types::_ipv6_prefix_specification_request::Ipv6PrefixSpecificationRequestBuilder;

pub use crate::types::_private_ip_address_specification::PrivateIpAddressSpecificationBuilder;

pub use crate::types::_instance_ipv6_address::InstanceIpv6AddressBuilder;

pub use crate::types::_network_interface_association::NetworkInterfaceAssociationBuilder;

pub use crate::types::_connection_tracking_configuration::ConnectionTrackingConfigurationBuilder;

pub use crate::types::_public_ip_dns_name_options::PublicIpDnsNameOptionsBuilder;

pub use crate::types::_volume_attachment::VolumeAttachmentBuilder;

pub use crate::types::_vpc_encryption_control_exclusions::VpcEncryptionControlExclusionsBuilder;

pub use crate::types::_filter::FilterBuilder;

pub use crate::types::_product_code::ProductCodeBuilder;

pub use crate::types::_group_identifier::GroupIdentifierBuilder;

pub use crate::types::_attachment_ena_srd_specification::AttachmentEnaSrdSpecificationBuilder;

pub use crate::types::_region::RegionBuilder;

pub use crate::types::_security_group::SecurityGroupBuilder;

pub use crate::types::_create_volume_permission::CreateVolumePermissionBuilder;

pub use crate::types::_snapshot::SnapshotBuilder;

pub use crate::types::_revoked_security_group_rule::RevokedSecurityGroupRuleBuilder;

pub use crate::types::_referenced_security_group::ReferencedSecurityGroupBuilder;

pub use crate::types::_network_interface_ipv6_address::NetworkInterfaceIpv6AddressBuilder;

pub use crate::types::_network_interface_private_ip_address::NetworkInterfacePrivateIpAddressBuilder;

pub use crate::types::_ipv6_prefix_specification::Ipv6PrefixSpecificationBuilder;

pub use crate::types::_vpc_encryption_control_exclusion::VpcEncryptionControlExclusionBuilder;

pub use crate::types::_attachment_ena_srd_udp_specification::AttachmentEnaSrdUdpSpecificationBuilder;

pub use crate::types::_user_id_group_pair::UserIdGroupPairBuilder;

pub use crate::types::_ip_range::IpRangeBuilder;

pub use crate::types::_ipv6_range::Ipv6RangeBuilder;

pub use crate::types::_prefix_list_id::PrefixListIdBuilder;

pub use crate::types::_region_geography::RegionGeographyBuilder;
