
pub use crate::types::_key_usage_type::KeyUsageType;

pub use crate::types::_customer_master_key_spec::CustomerMasterKeySpec;

pub use crate::types::_key_spec::KeySpec;

pub use crate::types::_origin_type::OriginType;

pub use crate::types::_key_metadata::KeyMetadata;

pub use crate::types::_encapsulation_algorithm_spec::EncapsulationAlgorithmSpec;

pub use crate::types::_encryption_algorithm_spec::EncryptionAlgorithmSpec;

pub use crate::types::_key_agreement_algorithm_spec::KeyAgreementAlgorithmSpec;

pub use crate::types::_mac_algorithm_spec::MacAlgorithmSpec;

pub use crate::types::_expiration_model_type::ExpirationModelType;

pub use crate::types::_key_state::KeyState;

pub use crate::types::_signing_algorithm_spec::SigningAlgorithmSpec;

pub use crate::types::_tag::Tag;

pub use crate::types::_key_manager_type::KeyManagerType;

pub use crate::types::_multi_region_configuration::MultiRegionConfiguration;

pub use crate::types::_xks_key_configuration_type::XksKeyConfigurationType;

pub use crate::types::_alias_list_entry::AliasListEntry;

pub use crate::types::_key_list_entry::KeyListEntry;

pub use crate::types::_multi_region_key_type::MultiRegionKeyType;

pub use crate::types::_multi_region_key::MultiRegionKey;

mod _alias_list_entry;

mod _customer_master_key_spec;

mod _encapsulation_algorithm_spec;

mod _encryption_algorithm_spec;

mod _expiration_model_type;

mod _key_agreement_algorithm_spec;

mod _key_list_entry;

mod _key_manager_type;

mod _key_metadata;

mod _key_spec;

mod _key_state;

mod _key_usage_type;

mod _mac_algorithm_spec;

mod _multi_region_configuration;

mod _multi_region_key;

mod _multi_region_key_type;

mod _origin_type;

mod _signing_algorithm_spec;

mod _tag;

mod _xks_key_configuration_type;

/// Builders
pub mod builders;

/// Error types that AWS Key Management Service can respond with.
pub mod error;
