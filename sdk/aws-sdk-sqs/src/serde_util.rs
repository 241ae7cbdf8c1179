
pub(crate) fn send_message_batch_output_output_correct_errors(
    mut builder: crate::operation::send_message_batch::builders::SendMessageBatchOutputBuilder,
) -> crate::operation::send_message_batch::builders::SendMessageBatchOutputBuilder {
    if builder.successful.is_none() {
        builder.successful = Some(Default::default())
    }
    if builder.failed.is_none() {
        builder.failed = Some(Default::default())
    }
    builder
}

pub(crate) fn batch_result_error_entry_correct_errors(
    mut builder: crate::types::builders::BatchResultErrorEntryBuilder,
) -> crate::types::builders::BatchResultErrorEntryBuilder {
    if builder.id.is_none() {
        builder.id = Some(Default::default())
    }
    if builder.sender_fault.is_none() {
        builder.sender_fault = Some(Default::default())
    }
    if builder.code.is_none() {
        builder.code = Some(Default::default())
    }
    builder
}

pub(crate) fn send_message_batch_result_entry_correct_errors(
    mut builder: crate::types::builders::SendMessageBatchResultEntryBuilder,
) -> crate::types::builders::SendMessageBatchResultEntryBuilder {
    if builder.id.is_none() {
        builder.id = Some(Default::default())
    }
    if builder.message_id.is_none() {
        builder.message_id = Some(Default::default())
    }
    if builder.md5_of_message_body.is_none() {
        builder.md5_of_message_body = Some(Default::default())
    }
    builder
}

pub(crate) fn message_attribute_value_correct_errors(
    mut builder: crate::types::builders::MessageAttributeValueBuilder,
) -> crate::types::builders::MessageAttributeValueBuilder {
    if builder.data_type.is_none() {
        builder.data_type = Some(Default::default())
    }
    builder
}
