
pub use crate::types::_provisioned_throughput::ProvisionedThroughputBuilder;

pub use crate::types::_stream_specification::StreamSpecificationBuilder;

pub use crate::types::_sse_specification::SseSpecificationBuilder;

pub use crate::types::_warm_throughput::WarmThroughputBuilder;

pub use crate::types::_on_demand_throughput::OnDemandThroughputBuilder;

pub use crate::types::_table_description::TableDescriptionBuilder;

pub use crate::types::_consumed_capacity::ConsumedCapacityBuilder;

pub use crate::types::_item_collection_metrics::ItemCollectionMetricsBuilder;

pub use crate::types::_vector_capacity::VectorCapacityBuilder;

pub use crate::types::_throttling_reason::ThrottlingReasonBuilder;

pub use crate::types::_attribute_definition::AttributeDefinitionBuilder;

pub use crate::types::_key_schema_element::KeySchemaElementBuilder;

pub use crate::types::_local_secondary_index::LocalSecondaryIndexBuilder;

pub use crate::types::_global_secondary_index::GlobalSecondaryIndexBuilder;

pub use crate::types::_tag::TagBuilder;

pub use crate::types::_vector_index::VectorIndexBuilder;

pub use crate::types::_provisioned_throughput_description::ProvisionedThroughputDescriptionBuilder;

pub use crate::types::_billing_mode_summary::BillingModeSummaryBuilder;

pub use crate::types::_restore_summary::RestoreSummaryBuilder;

pub use crate::types::_sse_description::SseDescriptionBuilder;

pub use crate::types::_archival_summary::ArchivalSummaryBuilder;

pub use crate::types::_table_class_summary::TableClassSummaryBuilder;

pub use crate::types::_table_warm_throughput_description::TableWarmThroughputDescriptionBuilder;

pub use crate::types::_expected_attribute_value::ExpectedAttributeValueBuilder;

pub use crate::types::_capacity::CapacityBuilder;

pub use crate::types::_cancellation_reason::CancellationReasonBuilder;

pub use crate::types::_condition::ConditionBuilder;

pub use crate::types::_transact_write_item::TransactWriteItemBuilder;

pub use crate::types::_attribute_value_update::AttributeValueUpdateBuilder;

pub use crate::types::_replica_description::ReplicaDescriptionBuilder;

pub use crate::types::_projection::ProjectionBuilder;

pub use crate::types::_vector_attribute_definition::VectorAttributeDefinitionBuilder;

pub use crate::types::_local_secondary_index_description::LocalSecondaryIndexDescriptionBuilder;

pub use crate::types::_global_secondary_index_description::GlobalSecondaryIndexDescriptionBuilder;

pub use crate::types::_global_table_witness_description::GlobalTableWitnessDescriptionBuilder;

pub use crate::types::_vector_index_description::VectorIndexDescriptionBuilder;

pub use crate::types::_condition_check::ConditionCheckBuilder;

pub use crate::types::_put::PutBuilder;

pub use crate::types::_delete::DeleteBuilder;

pub use crate::types::_update::UpdateBuilder;

pub use crate::types::_provisioned_throughput_override::ProvisionedThroughputOverrideBuilder;

pub use crate::types::_on_demand_throughput_override::OnDemandThroughputOverrideBuilder;

pub use crate::types::_search_schema_element::SearchSchemaElementBuilder;

pub use crate::types::_global_secondary_index_warm_throughput_description::GlobalSecondaryIndexWarmThroughputDescriptionBuilder;

pub use crate::types::_replica_global_secondary_index_description::ReplicaGlobalSecondaryIndexDescriptionBuilder;
