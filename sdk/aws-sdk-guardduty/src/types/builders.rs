
pub use crate::types::_data_source_configurations::DataSourceConfigurationsBuilder;

pub use crate::types::_unprocessed_data_sources_result::UnprocessedDataSourcesResultBuilder;

pub use crate::types::_finding_criteria::FindingCriteriaBuilder;

pub use crate::types::_sort_criteria::SortCriteriaBuilder;

pub use crate::types::_administrator::AdministratorBuilder;

pub use crate::types::_data_source_configurations_result::DataSourceConfigurationsResultBuilder;

pub use crate::types::_s3_logs_configuration::S3LogsConfigurationBuilder;

pub use crate::types::_kubernetes_configuration::KubernetesConfigurationBuilder;

pub use crate::types::_malware_protection_configuration::MalwareProtectionConfigurationBuilder;

pub use crate::types::_detector_feature_configuration::DetectorFeatureConfigurationBuilder;

pub use crate::types::_malware_protection_configuration_result::MalwareProtectionConfigurationResultBuilder;

pub use crate::types::_cloud_trail_configuration_result::CloudTrailConfigurationResultBuilder;

pub use crate::types::_dns_logs_configuration_result::DnsLogsConfigurationResultBuilder;

pub use crate::types::_flow_logs_configuration_result::FlowLogsConfigurationResultBuilder;

pub use crate::types::_s3_logs_configuration_result::S3LogsConfigurationResultBuilder;

pub use crate::types::_kubernetes_configuration_result::KubernetesConfigurationResultBuilder;

pub use crate::types::_detector_feature_configuration_result::DetectorFeatureConfigurationResultBuilder;

pub use crate::types::_kubernetes_audit_logs_configuration::KubernetesAuditLogsConfigurationBuilder;

pub use crate::types::_scan_ec2_instance_with_findings::ScanEc2InstanceWithFindingsBuilder;

pub use crate::types::_scan_ec2_instance_with_findings_result::ScanEc2InstanceWithFindingsResultBuilder;

pub use crate::types::_condition::ConditionBuilder;

pub use crate::types::_kubernetes_audit_logs_configuration_result::KubernetesAuditLogsConfigurationResultBuilder;

pub use crate::types::_detector_additional_configuration::DetectorAdditionalConfigurationBuilder;

pub use crate::types::_ebs_volumes_result::EbsVolumesResultBuilder;

pub use crate::types::_detector_additional_configuration_result::DetectorAdditionalConfigurationResultBuilder;
