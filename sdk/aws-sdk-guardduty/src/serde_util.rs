
pub(crate) fn get_administrator_account_output_output_correct_errors(
    mut builder: crate::operation::get_administrator_account::builders::GetAdministratorAccountOutputBuilder,
) -> crate::operation::get_administrator_account::builders::GetAdministratorAccountOutputBuilder {
    if builder.administrator.is_none() {
        builder.administrator = {
            let builder = crate::types::builders::AdministratorBuilder::default();
            Some(builder.build())
        }
    }
    builder
}

pub(crate) fn get_detector_output_output_correct_errors(
    mut builder: crate::operation::get_detector::builders::GetDetectorOutputBuilder,
) -> crate::operation::get_detector::builders::GetDetectorOutputBuilder {
    if builder.service_role.is_none() {
        builder.service_role = Some(Default::default())
    }
    if builder.status.is_none() {
        builder.status = "no value was set".parse::<crate::types::DetectorStatus>().ok()
    }
    builder
}

pub(crate) fn list_detectors_output_output_correct_errors(
    mut builder: crate::operation::list_detectors::builders::ListDetectorsOutputBuilder,
) -> crate::operation::list_detectors::builders::ListDetectorsOutputBuilder {
    if builder.detector_ids.is_none() {
        builder.detector_ids = Some(Default::default())
    }
    builder
}

pub(crate) fn list_findings_output_output_correct_errors(
    mut builder: crate::operation::list_findings::builders::ListFindingsOutputBuilder,
) -> crate::operation::list_findings::builders::ListFindingsOutputBuilder {
    if builder.finding_ids.is_none() {
        builder.finding_ids = Some(Default::default())
    }
    builder
}

pub(crate) fn data_source_configurations_result_correct_errors(
    mut builder: crate::types::builders::DataSourceConfigurationsResultBuilder,
) -> crate::types::builders::DataSourceConfigurationsResultBuilder {
    if builder.cloud_trail.is_none() {
        builder.cloud_trail = {
            let builder = crate::types::builders::CloudTrailConfigurationResultBuilder::default();
            Some(crate::serde_util::cloud_trail_configuration_result_correct_errors(builder).build())
        }
    }
    if builder.dns_logs.is_none() {
        builder.dns_logs = {
            let builder = crate::types::builders::DnsLogsConfigurationResultBuilder::default();
            Some(crate::serde_util::dns_logs_configuration_result_correct_errors(builder).build())
        }
    }
    if builder.flow_logs.is_none() {
        builder.flow_logs = {
            let builder = crate::types::builders::FlowLogsConfigurationResultBuilder::default();
            Some(crate::serde_util::flow_logs_configuration_result_correct_errors(builder).build())
        }
    }
    if builder.s3_logs.is_none() {
        builder.s3_logs = {
            let builder = crate::types::builders::S3LogsConfigurationResultBuilder::default();
            Some(crate::serde_util::s3_logs_configuration_result_correct_errors(builder).build())
        }
    }
    builder
}

pub(crate) fn cloud_trail_configuration_result_correct_errors(
    mut builder: crate::types::builders::CloudTrailConfigurationResultBuilder,
) -> crate::types::builders::CloudTrailConfigurationResultBuilder {
    if builder.status.is_none() {
        builder.status = "no value was set".parse::<crate::types::DataSourceStatus>().ok()
    }
    builder
}

pub(crate) fn dns_logs_configuration_result_correct_errors(
    mut builder: crate::types::builders::DnsLogsConfigurationResultBuilder,
) -> crate::types::builders::DnsLogsConfigurationResultBuilder {
    if builder.status.is_none() {
        builder.status = "no value was set".parse::<crate::types::DataSourceStatus>().ok()
    }
    builder
}

pub(crate) fn flow_logs_configuration_result_correct_errors(
    mut builder: crate::types::builders::FlowLogsConfigurationResultBuilder,
) -> crate::types::builders::FlowLogsConfigurationResultBuilder {
    if builder.status.is_none() {
        builder.status = "no value was set".parse::<crate::types::DataSourceStatus>().ok()
    }
    builder
}

pub(crate) fn kubernetes_configuration_result_correct_errors(
    mut builder: crate::types::builders::KubernetesConfigurationResultBuilder,
) -> crate::types::builders::KubernetesConfigurationResultBuilder {
    if builder.audit_logs.is_none() {
        builder.audit_logs = {
            let builder = crate::types::builders::KubernetesAuditLogsConfigurationResultBuilder::default();
            Some(crate::serde_util::kubernetes_audit_logs_configuration_result_correct_errors(builder).build())
        }
    }
    builder
}

pub(crate) fn s3_logs_configuration_result_correct_errors(
    mut builder: crate::types::builders::S3LogsConfigurationResultBuilder,
) -> crate::types::builders::S3LogsConfigurationResultBuilder {
    if builder.status.is_none() {
        builder.status = "no value was set".parse::<crate::types::DataSourceStatus>().ok()
    }
    builder
}

pub(crate) fn kubernetes_audit_logs_configuration_result_correct_errors(
    mut builder: crate::types::builders::KubernetesAuditLogsConfigurationResultBuilder,
) -> crate::types::builders::KubernetesAuditLogsConfigurationResultBuilder {
    if builder.status.is_none() {
        builder.status = "no value was set".parse::<crate::types::DataSourceStatus>().ok()
    }
    builder
}
