
pub use crate::types::_key_metadata::KeyMetadataBuilder;

pub use crate::types::_tag::TagBuilder;

pub use crate::types::_multi_region_configuration::MultiRegionConfigurationBuilder;

pub use crate::types::_xks_key_configuration_type::XksKeyConfigurationTypeBuilder;

pub use crate::types::_alias_list_entry::AliasListEntryBuilder;

pub use crate::types::_key_list_entry::KeyListEntryBuilder;

pub use crate::types::_multi_region_key::MultiRegionKeyBuilder;
