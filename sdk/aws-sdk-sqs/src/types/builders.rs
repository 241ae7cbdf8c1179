
pub use crate::types::_batch_result_error_entry::BatchResultErrorEntryBuilder;

pub use crate::types::_message::MessageBuilder;

pub use crate::types::_message_attribute_value::MessageAttributeValueBuilder;

pub use crate::types::_message_system_attribute_value::MessageSystemAttributeValueBuilder;

pub use crate::types::_send_message_batch_request_entry::SendMessageBatchRequestEntryBuilder;

pub use crate::types::_send_message_batch_result_entry::SendMessageBatchResultEntryBuilder;
