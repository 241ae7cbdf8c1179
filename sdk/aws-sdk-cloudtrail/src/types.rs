
pub use crate::types::_trail::Trail;

pub use crate::types::_event_category::EventCategory;

pub use crate::types::_tag::Tag;

pub use crate::types::_advanced_event_selector::AdvancedEventSelector;

pub use crate::types::_event_selector::EventSelector;

pub use crate::types::_event::Event;

pub use crate::types::_resource_tag::ResourceTag;

pub use crate::types::_lookup_attribute::LookupAttribute;

pub use crate::types::_read_write_type::ReadWriteType;

pub use crate::types::_lookup_attribute_key::LookupAttributeKey;

pub use crate::types::_advanced_field_selector::AdvancedFieldSelector;

pub use crate::types::_data_resource::DataResource;

pub use crate::types::_resource::Resource;

mod _advanced_event_selector;

mod _advanced_field_selector;

mod _data_resource;

mod _event;

mod _event_category;

mod _event_selector;

mod _lookup_attribute;

mod _lookup_attribute_key;

mod _read_write_type;

mod _resource;

mod _resource_tag;

mod _tag;

mod _trail;

/// Builders
pub mod builders;

/// Error types that AWS CloudTrail can respond with.
pub mod error;
