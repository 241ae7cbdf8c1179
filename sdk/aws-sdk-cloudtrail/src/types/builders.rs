
pub use crate::types::_trail::TrailBuilder;

pub use crate::types::_tag::TagBuilder;

pub use crate::types::_advanced_event_selector::AdvancedEventSelectorBuilder;

pub use crate::types::_event_selector::EventSelectorBuilder;

pub use crate::types::_event::EventBuilder;

pub use crate::types::_resource_tag::ResourceTagBuilder;

pub use crate::types::_lookup_attribute::LookupAttributeBuilder;

pub use crate::types::_advanced_field_selector::AdvancedFieldSelectorBuilder;

pub use crate::types::_data_resource::DataResourceBuilder;

pub use crate::types::_resource::ResourceBuilder;
