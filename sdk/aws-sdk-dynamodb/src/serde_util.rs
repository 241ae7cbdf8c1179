
pub(crate) fn restore_summary_correct_errors(
    mut builder: crate::types::builders::RestoreSummaryBuilder,
) -> crate::types::builders::RestoreSummaryBuilder {
    if builder.restore_date_time.is_none() {
        builder.restore_date_time = Some(::aws_smithy_types::DateTime::from_fractional_secs(0, 0_f64))
    }
    if builder.restore_in_progress.is_none() {
        builder.restore_in_progress = Some(Default::default())
    }
    builder
}

pub(crate) fn stream_specification_correct_errors(
    mut builder: crate::types::builders::StreamSpecificationBuilder,
) -> crate::types::builders::StreamSpecificationBuilder {
    if builder.stream_enabled.is_none() {
        builder.stream_enabled = Some(Default::default())
    }
    builder
}

pub(crate) fn tag_correct_errors(mut builder: crate::types::builders::TagBuilder) -> crate::types::builders::TagBuilder {
    if builder.key.is_none() {
        builder.key = Some(Default::default())
    }
    if builder.value.is_none() {
        builder.value = Some(Default::default())
    }
    builder
}

pub(crate) fn attribute_definition_correct_errors(
    mut builder: crate::types::builders::AttributeDefinitionBuilder,
) -> crate::types::builders::AttributeDefinitionBuilder {
    if builder.attribute_name.is_none() {
        builder.attribute_name = Some(Default::default())
    }
    if builder.attribute_type.is_none() {
        builder.attribute_type = "no value was set".parse::<crate::types::ScalarAttributeType>().ok()
    }
    builder
}

pub(crate) fn key_schema_element_correct_errors(
    mut builder: crate::types::builders::KeySchemaElementBuilder,
) -> crate::types::builders::KeySchemaElementBuilder {
    if builder.attribute_name.is_none() {
        builder.attribute_name = Some(Default::default())
    }
    if builder.key_type.is_none() {
        builder.key_type = "no value was set".parse::<crate::types::KeyType>().ok()
    }
    builder
}

pub(crate) fn provisioned_throughput_correct_errors(
    mut builder: crate::types::builders::ProvisionedThroughputBuilder,
) -> crate::types::builders::ProvisionedThroughputBuilder {
    if builder.read_capacity_units.is_none() {
        builder.read_capacity_units = Some(Default::default())
    }
    if builder.write_capacity_units.is_none() {
        builder.write_capacity_units = Some(Default::default())
    }
    builder
}

pub(crate) fn global_secondary_index_correct_errors(
    mut builder: crate::types::builders::GlobalSecondaryIndexBuilder,
) -> crate::types::builders::GlobalSecondaryIndexBuilder {
    if builder.index_name.is_none() {
        builder.index_name = Some(Default::default())
    }
    if builder.key_schema.is_none() {
        builder.key_schema = Some(Default::default())
    }
    if builder.projection.is_none() {
        builder.projection = {
            let builder = crate::types::builders::ProjectionBuilder::default();
            Some(builder.build())
        }
    }
    builder
}

pub(crate) fn vector_attribute_definition_correct_errors(
    mut builder: crate::types::builders::VectorAttributeDefinitionBuilder,
) -> crate::types::builders::VectorAttributeDefinitionBuilder {
    if builder.attribute_name.is_none() {
        builder.attribute_name = Some(Default::default())
    }
    builder
}

pub(crate) fn vector_index_correct_errors(mut builder: crate::types::builders::VectorIndexBuilder) -> crate::types::builders::VectorIndexBuilder {
    if builder.index_name.is_none() {
        builder.index_name = Some(Default::default())
    }
    if builder.vector_attribute.is_none() {
        builder.vector_attribute = {
            let builder = crate::types::builders::VectorAttributeDefinitionBuilder::default();
            crate::serde_util::vector_attribute_definition_correct_errors(builder).build().ok()
        }
    }
    if builder.projection.is_none() {
        builder.projection = {
            let builder = crate::types::builders::ProjectionBuilder::default();
            Some(builder.build())
        }
    }
    if builder.dimensions.is_none() {
        builder.dimensions = Some(Default::default())
    }
    if builder.distance_function.is_none() {
        builder.distance_function = "no value was set".parse::<crate::types::VectorDistanceFunction>().ok()
    }
    builder
}

pub(crate) fn search_schema_element_correct_errors(
    mut builder: crate::types::builders::SearchSchemaElementBuilder,
) -> crate::types::builders::SearchSchemaElementBuilder {
    if builder.attribute_name.is_none() {
        builder.attribute_name = Some(Default::default())
    }
    if builder.search_schema_element_type.is_none() {
        builder.search_schema_element_type = "no value was set".parse::<crate::types::SearchSchemaElementType>().ok()
    }
    builder
}
