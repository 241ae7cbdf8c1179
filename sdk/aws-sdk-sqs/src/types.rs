
pub use crate::types::_batch_result_error_entry::BatchResultErrorEntry;

pub use crate::types::_queue_attribute_name::QueueAttributeName;

pub use crate::types::_message_system_attribute_name::MessageSystemAttributeName;

pub use crate::types::_message::Message;

pub use crate::types::_message_attribute_value::MessageAttributeValue;

pub use crate::types::_message_system_attribute_name_for_sends::MessageSystemAttributeNameForSends;

pub use crate::types::_message_system_attribute_value::MessageSystemAttributeValue;

pub use crate::types::_send_message_batch_request_entry::SendMessageBatchRequestEntry;

pub use crate::types::_send_message_batch_result_entry::SendMessageBatchResultEntry;

mod _batch_result_error_entry;

mod _message;

mod _message_attribute_value;

mod _message_system_attribute_name;

mod _message_system_attribute_name_for_sends;

mod _message_system_attribute_value;

mod _queue_attribute_name;

mod _send_message_batch_request_entry;

mod _send_message_batch_result_entry;

/// Builders
pub mod builders;

/// Error types that Amazon Simple Queue Service can respond with.
pub mod error;
