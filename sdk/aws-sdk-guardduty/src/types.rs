
pub use crate::types::_finding_publishing_frequency::FindingPublishingFrequency;

pub use crate::types::_data_source_configurations::DataSourceConfigurations;

pub use crate::types::_unprocessed_data_sources_result::UnprocessedDataSourcesResult;

pub use crate::types::_finding_criteria::FindingCriteria;

pub use crate::types::_sort_criteria::SortCriteria;

pub use crate::types::_administrator::Administrator;

pub use crate::types::_detector_status::DetectorStatus;

pub use crate::types::_data_source_configurations_result::DataSourceConfigurationsResult;

pub use crate::types::_order_by::OrderBy;

pub use crate::types::_s3_logs_configuration::S3LogsConfiguration;

pub use crate::types::_kubernetes_configuration::KubernetesConfiguration;

pub use crate::types::_malware_protection_configuration::MalwareProtectionConfiguration;

pub use crate::types::_detector_feature_configuration::DetectorFeatureConfiguration;

pub use crate::types::_malware_protection_configuration_result::MalwareProtectionConfigurationResult;

pub use crate::types::_cloud_trail_configuration_result::CloudTrailConfigurationResult;

pub use crate::types::_dns_logs_configuration_result::DnsLogsConfigurationResult;

pub use crate::types::_flow_logs_configuration_result::FlowLogsConfigurationResult;

pub use crate::types::_s3_logs_configuration_result::S3LogsConfigurationResult;

pub use crate::types::_kubernetes_configuration_result::KubernetesConfigurationResult;

pub use crate::types::_detector_feature_configuration_result::DetectorFeatureConfigurationResult;

pub use crate::types::_kubernetes_audit_logs_configuration::KubernetesAuditLogsConfiguration;

pub use crate::types::_scan_ec2_instance_with_findings::ScanEc2InstanceWithFindings;

pub use crate::types::_detector_feature::DetectorFeature;

pub use crate::types::_feature_status::FeatureStatus;

pub use crate::types::_scan_ec2_instance_with_findings_result::ScanEc2InstanceWithFindingsResult;

pub use crate::types::_condition::Condition;

pub use crate::types::_data_source_status::DataSourceStatus;

pub use crate::types::_kubernetes_audit_logs_configuration_result::KubernetesAuditLogsConfigurationResult;

pub use crate::types::_detector_feature_result::DetectorFeatureResult;

pub use crate::types::_managed_by::ManagedBy;

pub use crate::types::_detector_additional_configuration::DetectorAdditionalConfiguration;

pub use crate::types::_ebs_volumes_result::EbsVolumesResult;

pub use crate::types::_detector_additional_configuration_result::DetectorAdditionalConfigurationResult;

pub use crate::types::_feature_additional_configuration::FeatureAdditionalConfiguration;

mod _administrator;

mod _cloud_trail_configuration_result;

mod _condition;

mod _data_source_configurations;

mod _data_source_configurations_result;

mod _data_source_status;

mod _detector_additional_configuration;

mod _detector_additional_configuration_result;

mod _detector_feature;

mod _detector_feature_configuration;

mod _detector_feature_configuration_result;

mod _detector_feature_result;

mod _detector_status;

mod _dns_logs_configuration_result;

mod _ebs_volumes_result;

mod _feature_additional_configuration;

mod _feature_status;

mod _finding_criteria;

mod _finding_publishing_frequency;

mod _flow_logs_configuration_result;

mod _kubernetes_audit_logs_configuration;

mod _kubernetes_audit_logs_configuration_result;

mod _kubernetes_configuration;

mod _kubernetes_configuration_result;

mod _malware_protection_configuration;

mod _malware_protection_configuration_result;

mod _managed_by;

mod _order_by;

mod _s3_logs_configuration;

mod _s3_logs_configuration_result;

mod _scan_ec2_instance_with_findings;

mod _scan_ec2_instance_with_findings_result;

mod _sort_criteria;

mod _unprocessed_data_sources_result;

/// Builders
pub mod builders;

/// Error types that Amazon GuardDuty can respond with.
pub mod error;
